package scenario

// Templates are written the way people actually post: code-mixed, with
// missing punctuation, local words (hoysala, ajji, bhai), and place names in
// whichever script the writer uses. Slots in braces are filled by the
// generator: {force} the force's handle (sometimes dropped), {place}, {time},
// {late} (a late-night hour), {amount}, {age}, {child}, {vehicle}, {plate}.

// templates[theme][lang] lists the base texts of a theme in a language.
var templates = map[string]map[string][]string{
	ThemeTraffic: {
		LangEnglish: {
			"{force} huge traffic jam at {place}, not moved for 40 mins. No traffic police in sight",
			"Stuck at {place} since {time}. Signal not working and buses blocking both lanes {force}",
			"Complete gridlock near {place}. Wrong-side driving by bikes making it worse. Please send someone",
			"{force} a truck has broken down at {place}, traffic backed up for 2 km",
			"Why is there no traffic cop at {place} during peak hours? Daily nightmare {force}",
			"{force} cars parked on both sides of the road at {place}, ambulance could not pass",
		},
		LangKannada: {
			"{force} {place} ಬಳಿ ಭಾರೀ ಟ್ರಾಫಿಕ್ ಜಾಮ್, ಅರ್ಧ ಗಂಟೆಯಿಂದ ವಾಹನಗಳು ನಿಂತಿವೆ",
			"{place} ಸಿಗ್ನಲ್ ಕೆಲಸ ಮಾಡುತ್ತಿಲ್ಲ, ಸಂಚಾರ ಪೊಲೀಸರು ಯಾರೂ ಇಲ್ಲ {force}",
			"{place} ರಸ್ತೆಯಲ್ಲಿ ಲಾರಿ ಕೆಟ್ಟು ನಿಂತಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ {force}",
		},
		LangKannadaLatn: {
			"{force} {place} alli full traffic jam guru, 45 nimisha inda ondu inch kooda move aagilla",
			"{place} signal work aagtilla, traffic police yaaru illa swalpa nodi sir {force}",
			"{place} hatra lorry breakdown aagide, full block aagide sir {force}",
		},
		LangHindi: {
			"{force} {place} पर भारी जाम है, आधे घंटे से गाड़ियाँ नहीं हिलीं",
			"{place} का सिग्नल खराब है और कोई ट्रैफिक पुलिस नहीं है {force}",
		},
		LangHinglish: {
			"{force} {place} pe bahut bada jam hai bhai, 40 min se atke hue hain",
			"{place} signal band hai aur koi traffic police nahi hai, please dekho {force}",
		},
	},
	ThemeChainSnatching: {
		LangEnglish: {
			"{force} chain snatching just now at {place}, two men on a black {vehicle} without number plate snatched an old lady's gold chain",
			"My mother's mangalsutra was snatched near {place} around {time}. Bike-borne thieves went towards the main road. Please help",
			"Second chain snatching in {place} this week! When will police patrol here? {force}",
		},
		LangKannada: {
			"{force} {place} ಬಳಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ಬೈಕ್‌ನಲ್ಲಿ ಬಂದ ಇಬ್ಬರು ವೃದ್ಧೆಯ ಸರ ಕಿತ್ತುಕೊಂಡು ಪರಾರಿಯಾದರು",
			"ನಮ್ಮ ಅಮ್ಮನ ಮಾಂಗಲ್ಯ ಸರವನ್ನು {place} ಹತ್ತಿರ {time} ಕಿತ್ತುಕೊಂಡು ಹೋದರು, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ {force}",
		},
		LangKannadaLatn: {
			"{force} {place} alli chain snatching aaytu, bike alli bandu ajji chain kittkondu hodru",
			"Namma amma chain {place} hatra {time} kittkondu hodru sir, please help maadi {force}",
		},
		LangHindi: {
			"{force} {place} में अभी चेन स्नैचिंग हुई, बाइक पर दो लड़के एक बुज़ुर्ग महिला की चेन छीनकर भागे",
		},
		LangHinglish: {
			"{force} {place} mein abhi chain snatching hui, bike pe do ladke aunty ki chain leke bhaag gaye",
		},
	},
	ThemeMissingChild: {
		LangEnglish: {
			"URGENT {force}: my {age} year old son {child} is missing from {place} since {time}. Wearing a blue school uniform. Please help!!",
			"Missing child alert: {child}, {age} years, last seen near {place} park {time}. Please share and call the police",
		},
		LangKannada: {
			"ತುರ್ತು {force}: ನನ್ನ {age} ವರ್ಷದ ಮಗ {child} {place} ಬಳಿಯಿಂದ {time} ಕಾಣೆಯಾಗಿದ್ದಾನೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ",
			"{age} ವರ್ಷದ ಹುಡುಗಿ {child} {place} ಹತ್ತಿರ ಕಾಣೆಯಾಗಿದ್ದಾಳೆ, ಯಾರಾದರೂ ನೋಡಿದರೆ ತಿಳಿಸಿ {force}",
		},
		LangKannadaLatn: {
			"Sir urgent, nanna maga {child} ({age} varsha) {place} inda {time} kaanestilla, please help maadi {force}",
		},
		LangHindi: {
			"तुरंत मदद करें {force}: मेरा {age} साल का बेटा {child} {place} से {time} लापता है",
		},
		LangHinglish: {
			"Urgent {force}: mera {age} saal ka beta {child} {place} se {time} missing hai, please help karo",
		},
	},
	ThemeNoise: {
		LangEnglish: {
			"{force} loud music blaring from a party in {place} at {late}, can't sleep, kids have exams",
			"It's {late} and the pub near {place} is still playing DJ music. Please send a hoysala",
		},
		LangKannada: {
			"{force} {place}ನಲ್ಲಿ ರಾತ್ರಿ {late} ಆದರೂ ಜೋರಾಗಿ ಮ್ಯೂಸಿಕ್ ಹಾಕಿದ್ದಾರೆ, ನಿದ್ದೆ ಮಾಡಲು ಆಗುತ್ತಿಲ್ಲ",
		},
		LangKannadaLatn: {
			"{force} {place} alli {late} aadru jorage music haakidaare, nidde maadoke aagtilla sir",
		},
		LangHindi: {
			"{force} {place} में रात {late} बजे भी तेज़ म्यूज़िक चल रहा है, सो नहीं पा रहे",
		},
		LangHinglish: {
			"{force} {late} baj gaye aur {place} mein abhi bhi full volume DJ chal raha hai, kuch karo",
		},
	},
	ThemeUPIFraud: {
		LangEnglish: {
			"{force} I lost Rs {amount} in a UPI fraud, someone posing as a bank officer asked me to scan a QR code",
			"Got a call saying my electricity will be cut, paid Rs {amount} by UPI and now the number is switched off. Live in {place}. How do I file a complaint?",
		},
		LangKannada: {
			"{force} ಯುಪಿಐ ಮೂಲಕ {amount} ರೂಪಾಯಿ ಮೋಸ ಹೋಗಿದೆ, ಬ್ಯಾಂಕ್ ಅಧಿಕಾರಿ ಎಂದು ಕರೆ ಮಾಡಿ QR ಕೋಡ್ ಸ್ಕ್ಯಾನ್ ಮಾಡಲು ಹೇಳಿದರು",
		},
		LangKannadaLatn: {
			"{force} UPI fraud aaytu sir, {amount} rupees hogide, bank inda call maadtidivi antha QR scan maadsidru",
		},
		LangHindi: {
			"{force} यूपीआई फ्रॉड में मेरे {amount} रुपये चले गए, बैंक अधिकारी बनकर किसी ने QR कोड स्कैन करवाया",
		},
		LangHinglish: {
			"{force} UPI fraud ho gaya sir, {amount} rupaye kat gaye, KYC update ke naam pe link bheja tha",
		},
	},
	ThemePraise: {
		LangEnglish: {
			"Big thanks to the {place} police for finding my lost phone within hours {force}",
			"Kudos to the night patrol team in {place}, they helped my elderly father get home safely {force}",
			"Impressed by how quickly the hoysala reached {place} last night. Well done {force}",
		},
		LangKannada: {
			"{place} ಪೊಲೀಸರಿಗೆ ಧನ್ಯವಾದಗಳು, ಕಳೆದುಹೋದ ನನ್ನ ಫೋನ್ ಕೆಲವೇ ಗಂಟೆಗಳಲ್ಲಿ ಸಿಕ್ಕಿತು {force}",
		},
		LangKannadaLatn: {
			"{place} police ge thumba thanks, raatri patrol team super kelsa maadtide {force}",
		},
		LangHindi: {
			"{place} पुलिस का बहुत धन्यवाद, रात की गश्त टीम ने मेरे पिताजी को सुरक्षित घर पहुँचाया {force}",
		},
		LangHinglish: {
			"{place} police ko dil se thanks, mera khoya hua phone 2 ghante mein mil gaya {force}",
		},
	},
	ThemeAbuse: {
		LangEnglish: {
			"{force} useless fellows, you only catch helmetless bikers and ignore real crime in {place}",
			"Worst police ever. Complained 3 times about {place}, nobody even replied. Shame on you {force}",
		},
		LangKannada: {
			"{force} ಕೆಲಸಕ್ಕೆ ಬಾರದ ಪೊಲೀಸರು, {place}ನಲ್ಲಿ ಏನೂ ಕ್ರಮ ತೆಗೆದುಕೊಳ್ಳುವುದಿಲ್ಲ",
		},
		LangKannadaLatn: {
			"{force} nimge yaavdu kelsa illa, {place} alli enu action illa, waste police",
		},
		LangHindi: {
			"{force} बेकार पुलिस, {place} में कोई कार्रवाई नहीं होती, सिर्फ चालान काटते हो",
		},
		LangHinglish: {
			"{force} bilkul bekaar police hai, {place} mein koi sunwai nahi, sirf challan kaatna aata hai",
		},
	},
	ThemeRumour: {
		LangEnglish: {
			"ALERT: child kidnapping gang roaming in {place} in a white Omni van, they give chocolates to kids. Share with all groups!!",
			"Heard there was a stabbing near {place} and police are hiding it. Avoid the area tonight, forward to everyone",
		},
		LangKannada: {
			"ಎಚ್ಚರಿಕೆ: {place}ನಲ್ಲಿ ಮಕ್ಕಳ ಕಳ್ಳರ ತಂಡ ಬಿಳಿ ವ್ಯಾನ್‌ನಲ್ಲಿ ಓಡಾಡುತ್ತಿದೆ, ಎಲ್ಲಾ ಗ್ರೂಪ್‌ಗಳಿಗೆ ಶೇರ್ ಮಾಡಿ",
		},
		LangKannadaLatn: {
			"Alert: {place} alli makkala kallara gang white van alli odaadtide antha, ella group ge share maadi",
		},
		LangHindi: {
			"सावधान: {place} में सफेद वैन में बच्चा चोर गिरोह घूम रहा है, सभी ग्रुप में शेयर करें",
		},
		LangHinglish: {
			"Alert: {place} mein bachcha chor gang white van mein ghoom rahi hai, sab groups mein forward karo",
		},
	},
	ThemeFlood: {
		LangEnglish: {
			"{force} {place} underpass completely flooded, a car is stuck with people inside! Send help",
			"Water entered houses in {place} after the rain, knee-deep water on the road, an elderly couple needs rescue {force}",
			"Tree fell on the road at {place} because of the rain, power lines down, very dangerous {force}",
		},
		LangKannada: {
			"{force} {place} ಅಂಡರ್‌ಪಾಸ್ ಸಂಪೂರ್ಣ ಜಲಾವೃತವಾಗಿದೆ, ಕಾರಿನಲ್ಲಿ ಜನ ಸಿಕ್ಕಿಹಾಕಿಕೊಂಡಿದ್ದಾರೆ",
		},
		LangKannadaLatn: {
			"{force} {place} alli full neeru nintide, manege neeru nugglide, sahaya beku",
		},
		LangHindi: {
			"{force} {place} अंडरपास पूरी तरह पानी में डूबा है, एक कार में लोग फँसे हैं",
		},
		LangHinglish: {
			"{force} {place} mein ghutno tak paani bhar gaya hai, gharon mein paani ghus gaya, help bhejo",
		},
	},
	ThemeRiot: {
		LangEnglish: {
			"{force} stone pelting going on near {place}, shops being forced to close, please send force immediately",
			"Mob gathering at {place}, vehicles being damaged. People are scared. Need police now {force}",
		},
		LangKannada: {
			"{force} {place} ಬಳಿ ಕಲ್ಲು ತೂರಾಟ ನಡೆಯುತ್ತಿದೆ, ಅಂಗಡಿಗಳನ್ನು ಬಲವಂತವಾಗಿ ಮುಚ್ಚಿಸುತ್ತಿದ್ದಾರೆ",
		},
		LangKannadaLatn: {
			"{force} {place} hatra kallu thooraata nadeetide, vehicles ge damage maadtidaare, bega banni",
		},
		LangHindi: {
			"{force} {place} के पास पत्थरबाज़ी हो रही है, दुकानें ज़बरदस्ती बंद करवाई जा रही हैं",
		},
		LangHinglish: {
			"{force} {place} ke paas patharbazi ho rahi hai, gaadiyan tod rahe hain, jaldi force bhejo",
		},
	},
	ThemeVehicleTheft: {
		LangEnglish: {
			"{force} my {vehicle} was stolen from outside my house in {place} last night. Number {plate}",
			"{vehicle} missing from the {place} metro parking since {time}, security says they saw nothing {force}",
		},
		LangKannada: {
			"{force} ನನ್ನ {vehicle} {place}ನಲ್ಲಿ ಮನೆಯ ಮುಂದೆಯೇ ಕಳ್ಳತನವಾಗಿದೆ, ನಂಬರ್ {plate}",
		},
		LangKannadaLatn: {
			"{force} nanna {vehicle} {place} alli mane mundene kallatana aagide sir, number {plate}",
		},
		LangHindi: {
			"{force} मेरी {vehicle} {place} में घर के बाहर से चोरी हो गई, नंबर {plate}",
		},
		LangHinglish: {
			"{force} meri {vehicle} {place} mein ghar ke bahar se chori ho gayi kal raat, number {plate}",
		},
	},
}

// replies are what other citizens (or the same one) write under a post.
var replies = map[string][]string{
	LangEnglish:     {"Same issue here, {place} is terrible every day", "Any update on this? Still waiting {force}", "+1, please look into this {force}", "Shared. Stay safe everyone", "This happened to my neighbour too last month"},
	LangKannada:     {"ಹೌದು, ನಮ್ಮ ಏರಿಯಾದಲ್ಲೂ ಇದೇ ಸಮಸ್ಯೆ", "ಯಾವುದೇ ಅಪ್‌ಡೇಟ್ ಇದೆಯಾ? {force}"},
	LangKannadaLatn: {"Howdu, namma area alli kooda same problem", "Yaradru reply maadi please {force}", "Idu nija na?"},
	LangHindi:       {"हाँ, यहाँ भी यही हाल है", "कोई अपडेट? {force}"},
	LangHinglish:    {"Haan yahan bhi same haal hai", "Koi update mila kya? {force}", "Ye sach hai kya?"},
}

// dmFollowUps are the private details people send after a public post.
var dmFollowUps = map[string][]string{
	LangEnglish:     {"Sir, sharing details privately as asked. It happened near {place} around {time}.", "Vehicle number is {plate}, please check CCTV at {place}", "I am scared to post publicly. The people at {place} know me."},
	LangKannada:     {"ಸರ್, ವಿವರಗಳನ್ನು ಇಲ್ಲಿ ಕಳುಹಿಸುತ್ತಿದ್ದೇನೆ. ಘಟನೆ {place} ಬಳಿ ನಡೆದಿದೆ.", "ವಾಹನ ಸಂಖ್ಯೆ {plate}"},
	LangKannadaLatn: {"Sir details illi kalistidini, {place} hatra {time} aaytu", "Vehicle number {plate} sir"},
	LangHindi:       {"सर, जानकारी यहाँ भेज रहा हूँ, घटना {place} के पास हुई", "गाड़ी नंबर {plate}"},
	LangHinglish:    {"Sir details yahan bhej raha hoon, {place} ke paas {time} hua", "Gaadi number {plate} hai sir"},
}

// news are RSS headlines from local outlets.
var news = []string{
	"{place}: police register case after chain snatching near bus stop",
	"Heavy rain floods {place} underpass, traffic diverted",
	"Traffic advisory: diversions around {place} for metro work this weekend",
	"Cyber crime police warn of new UPI refund scam; {place} resident loses Rs {amount}",
	"Missing boy traced within hours by {place} police",
	"Residents of {place} complain of late-night noise from pubs",
	"Two held for vehicle thefts in {place}",
}

var slotValues = map[string]map[string][]string{
	"time": {
		LangEnglish:     {"this morning", "7 pm", "half an hour ago", "around 9:30", "yesterday evening"},
		LangKannada:     {"ಬೆಳಿಗ್ಗೆಯಿಂದ", "ಸಂಜೆ 7 ಗಂಟೆಗೆ", "ಅರ್ಧ ಗಂಟೆ ಹಿಂದೆ"},
		LangKannadaLatn: {"belagge inda", "sanje 7 ge", "ardha gante hinde"},
		LangHindi:       {"सुबह से", "शाम 7 बजे से", "आधे घंटे पहले"},
		LangHinglish:    {"subah se", "shaam 7 baje se", "aadha ghanta pehle"},
	},
	"late": {
		LangEnglish:     {"2 a.m.", "1:30 am", "midnight", "3 am"},
		LangKannada:     {"2 ಗಂಟೆ", "1:30", "12 ಗಂಟೆ"},
		LangKannadaLatn: {"raatri 2 gante", "1:30", "madhya raatri"},
		LangHindi:       {"2", "1:30", "3"},
		LangHinglish:    {"raat ke 2", "1:30", "3"},
	},
	"vehicle": {
		LangEnglish:     {"Activa", "Splendor", "Royal Enfield", "Pulsar", "Swift car"},
		LangKannada:     {"ಬೈಕ್", "ಸ್ಕೂಟರ್", "ಆಕ್ಟಿವಾ"},
		LangKannadaLatn: {"bike", "scooty", "Activa"},
		LangHindi:       {"बाइक", "स्कूटी"},
		LangHinglish:    {"bike", "scooty", "Activa"},
	},
	"child": {
		LangEnglish:     {"Aarav", "Ananya", "Chinmay", "Diya", "Kiran", "Likhith", "Meghana", "Pranav", "Sinchana", "Tejas"},
		LangKannada:     {"ಆರವ್", "ಅನನ್ಯ", "ಚಿನ್ಮಯ್", "ಕಿರಣ್", "ಮೇಘನಾ", "ತೇಜಸ್"},
		LangKannadaLatn: {"Chinmay", "Likhith", "Yashas", "Tejas"},
		LangHindi:       {"आरव", "किरण", "प्रणव", "तेजस"},
		LangHinglish:    {"Aarav", "Pranav", "Kabir", "Ishaan"},
	},
	"amount": {
		"": {"4,999", "12,000", "25,000", "49,999", "85,000", "1.2 lakh", "7,500"},
	},
}

var emoji = []string{"🙏", "😡", "😢", "🚨", "🚗", "🌧️", "🙄", "👏", "⚠️", "😱", "🙏🙏", "😤"}

var hashtags = map[string][]string{
	ThemeTraffic:        {"#BengaluruTraffic", "#SilkBoard", "#NammaBengaluru"},
	ThemeChainSnatching: {"#Safety", "#Bengaluru", "#ChainSnatching"},
	ThemeMissingChild:   {"#Missing", "#Bengaluru", "#PleaseShare"},
	ThemeNoise:          {"#NoisePollution", "#Bengaluru"},
	ThemeUPIFraud:       {"#CyberCrime", "#UPIFraud", "#Fraud"},
	ThemePraise:         {"#ThankYouPolice", "#NammaBengaluru"},
	ThemeAbuse:          {"#Shame", "#Bengaluru"},
	ThemeRumour:         {"#Alert", "#Forwarded", "#Bengaluru"},
	ThemeFlood:          {"#BengaluruRains", "#Flood", "#Help"},
	ThemeRiot:           {"#Bengaluru", "#Emergency"},
	ThemeVehicleTheft:   {"#Stolen", "#Bengaluru"},
}

// Names are built from common first names and surnames in combination so
// no generated person is a real one.
var firstNames = []string{"Ravi", "Suresh", "Priya", "Anitha", "Manjunath", "Kavya", "Rahul", "Deepa", "Naveen", "Shwetha",
	"Arjun", "Lakshmi", "Vinay", "Pooja", "Harish", "Sneha", "Imran", "Fathima", "Joseph", "Mary", "Karthik", "Divya",
	"Prakash", "Rekha", "Santosh", "Bhavya", "Abdul", "Ayesha", "Girish", "Nandini", "Vikram", "Meera", "Raghu", "Sunita"}
var lastNames = []string{"Kumar", "Gowda", "Sharma", "Rao", "Reddy", "Shetty", "Nayak", "Hegde", "Patil", "Iyer", "Khan",
	"D'Souza", "Murthy", "Prasad", "Naidu", "Singh", "Gupta", "Bhat", "K", "M", "S", "Swamy", "Pai", "Joshi"}
