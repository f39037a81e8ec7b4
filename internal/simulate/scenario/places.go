package scenario

// Place is a well-known Bengaluru locality, junction or landmark with an
// approximate centre. Kn and Hi are the names as people write them in
// Kannada and Devanagari script; empty means people write the Latin name
// even inside Kannada or Hindi text (which is common and realistic).
type Place struct {
	Name     string
	Kn, Hi   string
	Lat, Lon float64
}

// Places is the curated list of localities the generator talks about. It is
// deliberately self-contained (no dependency on the jurisdiction pack) so
// that simulated traffic stays stable when the pack changes; every name is a
// real, well-known place so the place analyser has something true to find.
var Places = []Place{
	{"Silk Board Junction", "ಸಿಲ್ಕ್ ಬೋರ್ಡ್", "सिल्क बोर्ड", 12.9172, 77.6229},
	{"Jayanagar", "ಜಯನಗರ", "जयनगर", 12.9250, 77.5838},
	{"Koramangala", "ಕೋರಮಂಗಲ", "कोरमंगला", 12.9352, 77.6245},
	{"Indiranagar", "ಇಂದಿರಾನಗರ", "इंदिरानगर", 12.9719, 77.6412},
	{"Whitefield", "ವೈಟ್‌ಫೀಲ್ಡ್", "व्हाइटफील्ड", 12.9698, 77.7500},
	{"Marathahalli", "ಮಾರತ್ತಹಳ್ಳಿ", "मराठहल्ली", 12.9569, 77.7011},
	{"Electronic City", "ಎಲೆಕ್ಟ್ರಾನಿಕ್ ಸಿಟಿ", "इलेक्ट्रॉनिक सिटी", 12.8452, 77.6602},
	{"HSR Layout", "ಎಚ್‌ಎಸ್‌ಆರ್ ಲೇಔಟ್", "एचएसआर लेआउट", 12.9116, 77.6389},
	{"BTM Layout", "ಬಿಟಿಎಂ ಲೇಔಟ್", "बीटीएम लेआउट", 12.9166, 77.6101},
	{"Majestic", "ಮೆಜೆಸ್ಟಿಕ್", "मैजेस्टिक", 12.9767, 77.5713},
	{"MG Road", "ಎಂ.ಜಿ. ರಸ್ತೆ", "एमजी रोड", 12.9756, 77.6050},
	{"Brigade Road", "ಬ್ರಿಗೇಡ್ ರಸ್ತೆ", "ब्रिगेड रोड", 12.9719, 77.6070},
	{"Shivajinagar", "ಶಿವಾಜಿನಗರ", "शिवाजीनगर", 12.9857, 77.6057},
	{"Malleshwaram", "ಮಲ್ಲೇಶ್ವರಂ", "मल्लेश्वरम", 13.0035, 77.5709},
	{"Rajajinagar", "ರಾಜಾಜಿನಗರ", "राजाजीनगर", 12.9910, 77.5540},
	{"Basavanagudi", "ಬಸವನಗುಡಿ", "बसवनगुडी", 12.9421, 77.5754},
	{"Banashankari", "ಬನಶಂಕರಿ", "बनशंकरी", 12.9255, 77.5468},
	{"JP Nagar", "ಜೆ.ಪಿ. ನಗರ", "जेपी नगर", 12.9063, 77.5857},
	{"Yelahanka", "ಯಲಹಂಕ", "येलहंका", 13.1007, 77.5963},
	{"Hebbal", "ಹೆಬ್ಬಾಳ", "हेब्बल", 13.0358, 77.5970},
	{"Yeshwanthpur", "ಯಶವಂತಪುರ", "यशवंतपुर", 13.0280, 77.5400},
	{"KR Puram", "ಕೆ.ಆರ್. ಪುರಂ", "केआर पुरम", 13.0077, 77.6950},
	{"Hennur", "ಹೆಣ್ಣೂರು", "", 13.0358, 77.6400},
	{"Banaswadi", "ಬಾಣಸವಾಡಿ", "", 13.0104, 77.6482},
	{"Frazer Town", "ಫ್ರೇಜರ್ ಟೌನ್", "", 12.9980, 77.6140},
	{"Ulsoor", "ಹಲಸೂರು", "", 12.9817, 77.6200},
	{"Domlur", "ದೊಮ್ಮಲೂರು", "", 12.9609, 77.6387},
	{"Bellandur", "ಬೆಳ್ಳಂದೂರು", "बेलंदूर", 12.9260, 77.6762},
	{"Sarjapur Road", "ಸರ್ಜಾಪುರ ರಸ್ತೆ", "", 12.9100, 77.6850},
	{"Bannerghatta Road", "ಬನ್ನೇರುಘಟ್ಟ ರಸ್ತೆ", "", 12.8880, 77.5970},
	{"Kengeri", "ಕೆಂಗೇರಿ", "", 12.9080, 77.4850},
	{"Vijayanagar", "ವಿಜಯನಗರ", "", 12.9719, 77.5330},
	{"RR Nagar", "ಆರ್.ಆರ್. ನಗರ", "", 12.9275, 77.5150},
	{"Peenya", "ಪೀಣ್ಯ", "", 13.0280, 77.5190},
	{"Jalahalli", "ಜಾಲಹಳ್ಳಿ", "", 13.0460, 77.5480},
	{"Sadashivanagar", "ಸದಾಶಿವನಗರ", "", 13.0068, 77.5813},
	{"Seshadripuram", "ಶೇಷಾದ್ರಿಪುರಂ", "", 12.9890, 77.5730},
	{"Chickpet", "ಚಿಕ್ಕಪೇಟೆ", "चिकपेट", 12.9700, 77.5780},
	{"KR Market", "ಕೆ.ಆರ್. ಮಾರುಕಟ್ಟೆ", "केआर मार्केट", 12.9642, 77.5770},
	{"Cubbon Park", "ಕಬ್ಬನ್ ಪಾರ್ಕ್", "कब्बन पार्क", 12.9763, 77.5929},
	{"Lalbagh", "ಲಾಲ್‌ಬಾಗ್", "लालबाग", 12.9507, 77.5848},
	{"Tin Factory", "ಟಿನ್ ಫ್ಯಾಕ್ಟರಿ", "", 12.9960, 77.6690},
	{"Mekhri Circle", "ಮೇಖ್ರಿ ವೃತ್ತ", "", 13.0140, 77.5840},
	{"Trinity Circle", "ಟ್ರಿನಿಟಿ ವೃತ್ತ", "", 12.9730, 77.6170},
	{"Sony World Signal", "", "", 12.9366, 77.6266},
	{"Agara Lake", "ಅಗರ ಕೆರೆ", "", 12.9230, 77.6410},
	{"Kadugodi", "ಕಾಡುಗೋಡಿ", "", 12.9990, 77.7600},
	{"Varthur", "ವರ್ತೂರು", "", 12.9400, 77.7470},
	{"Mahadevapura", "ಮಹದೇವಪುರ", "", 12.9900, 77.6950},
	{"CV Raman Nagar", "ಸಿ.ವಿ. ರಾಮನ್ ನಗರ", "", 12.9850, 77.6630},
	{"Adugodi", "ಆಡುಗೋಡಿ", "", 12.9430, 77.6100},
	{"Wilson Garden", "ವಿಲ್ಸನ್ ಗಾರ್ಡನ್", "", 12.9490, 77.5970},
	{"Shanthinagar", "ಶಾಂತಿನಗರ", "", 12.9580, 77.5990},
	{"Richmond Town", "ರಿಚ್ಮಂಡ್ ಟೌನ್", "", 12.9610, 77.6020},
	{"Vidhana Soudha", "ವಿಧಾನಸೌಧ", "विधान सौध", 12.9794, 77.5907},
	{"Bommanahalli", "ಬೊಮ್ಮನಹಳ್ಳಿ", "", 12.9000, 77.6300},
	{"Begur", "ಬೇಗೂರು", "", 12.8760, 77.6270},
	{"Hulimavu", "ಹುಳಿಮಾವು", "", 12.8790, 77.6030},
	{"Nagarbhavi", "ನಾಗರಭಾವಿ", "", 12.9600, 77.5100},
	{"Basaveshwaranagar", "ಬಸವೇಶ್ವರನಗರ", "", 12.9930, 77.5390},
	{"RT Nagar", "ಆರ್.ಟಿ. ನಗರ", "", 13.0200, 77.5950},
	{"Kammanahalli", "ಕಮ್ಮನಹಳ್ಳಿ", "", 13.0150, 77.6380},
	{"Horamavu", "ಹೊರಮಾವು", "", 13.0270, 77.6600},
	{"Thanisandra", "ಥಣಿಸಂದ್ರ", "", 13.0560, 77.6330},
	{"Vidyaranyapura", "ವಿದ್ಯಾರಣ್ಯಪುರ", "", 13.0780, 77.5570},
	{"Hoodi", "ಹೂಡಿ", "", 12.9920, 77.7160},
	{"Goraguntepalya", "ಗೊರಗುಂಟೆಪಾಳ್ಯ", "", 13.0280, 77.5290},
	{"Dairy Circle", "ಡೈರಿ ವೃತ್ತ", "", 12.9380, 77.6000},
	{"Madiwala", "ಮಡಿವಾಳ", "", 12.9220, 77.6170},
	{"Padmanabhanagar", "ಪದ್ಮನಾಭನಗರ", "", 12.9170, 77.5580},
	{"Chamarajpet", "ಚಾಮರಾಜಪೇಟೆ", "", 12.9580, 77.5650},
	{"Kalasipalya", "ಕಲಾಸಿಪಾಳ್ಯ", "", 12.9600, 77.5750},
	{"Gandhinagar", "ಗಾಂಧಿನಗರ", "", 12.9780, 77.5760},
	{"Kumaraswamy Layout", "ಕುಮಾರಸ್ವಾಮಿ ಲೇಔಟ್", "", 12.9050, 77.5630},
	{"Kempegowda Bus Station", "ಕೆಂಪೇಗೌಡ ಬಸ್ ನಿಲ್ದಾಣ", "", 12.9777, 77.5720},
	{"Outer Ring Road, Kadubeesanahalli", "", "", 12.9390, 77.6960},
}

// name returns how a place is written in lang.
func (p Place) name(lang string) string {
	switch lang {
	case LangKannada:
		if p.Kn != "" {
			return p.Kn
		}
	case LangHindi:
		if p.Hi != "" {
			return p.Hi
		}
	}
	return p.Name
}
