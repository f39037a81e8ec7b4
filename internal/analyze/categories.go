package analyze

// The police taxonomy. Names are stable snake_case keys stored with every
// analysis and used by rules and dashboards: never rename one.
//
//	emergency           an emergency or incident in progress or just happened
//	traffic_parking     jams, signals, wrong-side driving, illegal parking, towing
//	theft               theft, burglary, robbery, chain and phone snatching
//	cybercrime_fraud    online fraud, OTP/UPI scams, fake profiles, hacking, extortion calls
//	womens_safety       harassment, stalking, eve teasing, molestation, domestic violence
//	child_safety        child abuse, child labour, missing or abandoned children, POCSO
//	elderly             senior citizens in distress, neglect, elderly living alone
//	missing_person      someone missing, not returned home, found person
//	noise_nuisance      loudspeakers, late-night noise, public drinking, nuisance
//	drugs               ganja, drug peddling, substance abuse
//	public_order        protests, rallies, riots, communal tension, crowding
//	rumour              rumours, fake news, misinformation to be verified
//	police_complaint    complaints against police conduct: bribes, rudeness, inaction
//	appreciation        thanks and praise for the police
//	information_request how-to questions: verification, permissions, FIR status, lost documents
//	lost_found          lost or found belongings and documents
//	civic               garbage, potholes, water, streetlights, drains: refer to the civic body
//	spam                promotions, unrelated links, follow-for-follow
var Categories = []string{
	"emergency", "traffic_parking", "theft", "cybercrime_fraud", "womens_safety", "child_safety",
	"elderly", "missing_person", "noise_nuisance", "drugs", "public_order", "rumour",
	"police_complaint", "appreciation", "information_request", "lost_found", "civic", "spam",
}

// categoryLexicon seeds every category with multilingual phrases (English,
// Kannada script and romanised, Hindi in Devanagari and romanised). Each
// hit adds its weight to the category's rule score; a trailing '*' matches
// word prefixes (inflections), and native-script entries always do, since
// Kannada and Hindi inflect by suffix. These are where categories without
// labelled data start; trained heads take over as desk labels accumulate.
var categoryLexicon = map[string][]string{
	"traffic_parking": {"auto rickshaw*", "autorickshaw*", "rickshaw*", "auto driver*", "autos", "taxi*", "cab driver*", "refused to go", "refusal", "refusing", "by meter", "challan*", "echallan*", "e-challan*", "traffic fine*", "triple seat*", "number plate*", "tinted", "biker*", "bikers", "no entry", "lane cutting", "red light*", "jumped the signal", "jam", "jammed", "bumper", "stuck", "toll",
		"traffic", "traffic jam", "jam", "signal", "signal jump*", "wrong side", "wrong parking", "illegal parking",
		"parked", "parking", "no parking", "towing", "towed", "tow", "footpath", "helmet", "triple riding", "drunk driving",
		"rash driving", "overspeeding", "over speeding", "honking", "congestion", "gridlock", "flyover", "junction",
		"ಟ್ರಾಫಿಕ್", "ಸಂಚಾರ", "ಪಾರ್ಕಿಂಗ್", "ಸಿಗ್ನಲ್", "जाम", "ट्रैफिक", "पार्किंग", "gaadi", "vahana",
		"abandoned vehicle*", "abandoned car*", "been abandoned", "lying abandoned", "left abandoned", "abandoned on", "abandoned bike*", "abandoned scooter*", "abandoned auto*", "vehicle abandoned", "unclaimed vehicle*", "dumped vehicle*", "broken down", "breakdown", "stuck in traffic", "bumper to bumper", "no entry", "double parked", "double parking", "signal not working", "wrong route", "one way", "road closed", "diversion", "ಜಾಮ್"},
	"theft": {"theft", "thief", "thieves", "stolen", "stole", "steal*", "snatch*", "chain snatching", "robbery", "robbed", "rob",
		"burglary", "burgled", "break in", "broke into", "pickpocket*", "looted", "mugged", "dacoity", "house break*",
		"ಕಳ್ಳತನ", "ಕಳ್ಳ", "ಕದ್ದ", "ದರೋಡೆ", "ಸರಗಳ್ಳ", "kallatana", "kalla", "kaddu", "kaddidare",
		"चोरी", "चोर", "लूट", "chori", "chor", "loot", "chheen*",
		"chain snatch*", "snatched", "burgled", "break into", "vehicle theft", "bike theft", "bike stolen", "phone stolen", "stealing", "copper wire*", "battery theft"},
	"cybercrime_fraud": {"fraud", "scam*", "cheat*", "otp", "upi", "phishing", "hacked", "hack*", "fake profile", "fake account",
		"cyber", "cybercrime", "online fraud", "kyc", "lottery", "loan app", "sextortion", "blackmail*", "money deducted",
		"debited", "credit card", "bank account", "digital arrest", "ವಂಚನೆ", "ಮೋಸ", "धोखा", "ठगी", "dhokha", "thagi", "mosa",
		"debit card", "card details", "asking for otp", "shared otp", "share otp", "otp fraud", "fraud call", "fake call",
		"froude", "unauthorised transaction", "unauthorized transaction", "unauthorised withdrawal", "unauthorized withdrawal",
		"qr code", "scan qr", "upi fraud", "upi pin", "kyc update", "kyc fraud", "instant loan", "loan app harassment",
		"recovery agent", "morphed", "nude video", "video call blackmail", "anydesk", "remote access", "screen share",
		"part time job", "task fraud", "investment fraud", "courier scam", "impersonat*", "cyber cell", "cybercell",
		"ಒಟಿಪಿ", "ಸೈಬರ್", "ಆನ್‌ಲೈನ್ ವಂಚನೆ", "ओटीपी", "साइबर", "ठग", "paise kat", "paisa kat", "fraud hua", "thag liya",
		"scammer*", "fake website", "fake link", "trading app", "customer care number", "fake customer care", "sim swap", "loan app", "task scam", "kyc expired", "cyber crime", "online scam", "marketplace"},
	"womens_safety": {"harass*", "eve teas*", "stalking", "stalker*", "stalked me", "stalked her", "stalks", "molest*", "groped", "grope*", "catcall*", "lewd", "obscene",
		"domestic violence", "dowry", "rape", "sexual", "women safety", "woman safety", "unsafe for women", "following me",
		"flashed", "ಕಿರುಕುಳ", "ಲೈಂಗಿಕ", "छेड़", "उत्पीड़न", "chhed*", "kirukula",
		"teasing women", "teasing girls", "teasing", "cat calling", "lewd comments", "passing comments", "passing lewd",
		"touched inappropriately", "inappropriately", "pervert*", "followed me", "follows me", "stalker", "acid attack",
		"obscene calls", "obscene messages", "vulgar", "ಚುಡಾಯಿಸ", "ಮಹಿಳೆಯರ ಸುರಕ್ಷತೆ", "छेड़छाड़", "chhedkhani", "chhedchhad",
		"ladki ko chhed",
		"beating his wife", "wife beating", "indecent", "inappropriate comments", "unsafe for girls", "dowry harassment", "girls hostel", "women feel unsafe", "forcing a girl"},
	"child_safety": {"child abuse", "child labour", "child labor", "minor girl", "minor boy", "pocso", "child marriage",
		"children begging", "kid missing", "child missing", "abandoned baby", "abandoned child", "school kids", "ಮಕ್ಕಳ", "ಬಾಲ", "बच्चे", "बाल",
		"small child", "small boy", "small girl", "child alone", "children below", "kids are being", "school van", "minor"},
	"elderly": {"senior citizen*", "old man", "old woman", "old lady", "elderly", "aged parents", "old age", "grandfather",
		"grandmother", "ಹಿರಿಯ", "ವೃದ್ಧ", "बुजुर्ग", "वृद्ध", "buzurg",
		"aged", "senior citizens", "lives alone", "living alone", "memory loss", "bedridden"},
	"missing_person": {"missing", "went missing", "gone missing", "not returned", "not come back", "did not return",
		"since yesterday", "last seen", "untraceable", "whereabouts", "kidnap*", "abduct*", "ಕಾಣೆ", "ನಾಪತ್ತೆ", "लापता",
		"गुमशुदा", "laapata", "lapata", "kaane", "napatte",
		"didn't come back", "not come home", "not returned home", "missing since", "missing child", "missing boy", "missing girl", "found safe", "not reachable"},
	"noise_nuisance": {"drum*", "dhol*", "band baja", "music", "songs", "noise pollution", "decibel*", "prostitution", "hookah", "gambling", "casino", "drinking", "nuisance",
		"noise", "loud music", "loudspeaker*", "dj", "speakers", "sound pollution", "firecrackers", "crackers",
		"late night party", "nuisance", "drinking in public", "public drinking", "drunkards", "ಶಬ್ದ", "ಗಲಾಟೆ", "शोर", "shor", "galate",
		"loud", "blaring", "loud horns", "silencer*", "music till", "party till", "cannot sleep", "can't sleep", "urinat*", "nuisance created"},
	"drugs": {"drug*", "ganja", "weed", "marijuana", "narcotic*", "cocaine", "mdma", "heroin", "peddl*", "smack", "charas",
		"ಗಾಂಜಾ", "ಮಾದಕ", "गांजा", "नशा", "ड्रग्स", "nasha",
		"syringes", "peddler*", "supplies drugs", "drug addicts", "smoking weed", "ganja peddl*"},
	"public_order": {"religious sentiment*", "hurt sentiment*", "hurting sentiment*", "hurts sentiment*", "hate speech", "hatred", "incite*", "inciting", "provoke*", "provoking", "human chain", "blocked by locals", "anti national", "anti-national", "anti india", "insulting", "insulted", "communal violence", "communal tension", "illegal banner*", "banner*", "hoarding*", "pandal*", "disturbing peace", "law and order", "unrest", "rasta roko", "morcha", "bandh",
		"protest*", "rally", "riot*", "mob", "bandh", "strike", "agitation", "dharna", "stone pelting",
		"communal", "clash*", "crowd", "procession", "lathi", "ಪ್ರತಿಭಟನೆ", "ಗಲಭೆ", "ಬಂದ್", "प्रदर्शन", "दंगा", "बंद", "danga",
		"protesters", "protesting", "slogans", "placards", "candle march", "demonstration", "rasta roko", "road roko", "hartal", "morcha", "andolan", "tension", "gathering", "without permission", "ಮುಷ್ಕರ", "ಧರಣಿ", "ಮೆರವಣಿಗೆ", "धरना", "जुलूस", "हड़ताल", "dharne", "bandh hai"},
	"rumour": {"rumour*", "rumor*", "fake news", "misinformation", "false news", "viral message", "forwarded", "whatsapp forward",
		"is it true", "is this true", "fact check", "hoax", "ವದಂತಿ", "ಸುಳ್ಳು ಸುದ್ದಿ", "अफवाह", "afwah", "fake video",
		"is it real", "is this real", "real or fake", "clarify", "please confirm", "police confirm", "sach hai", "nijave", "going around", "being shared", "fake message", "ನಿಜವೇ", "सच है"},
	"police_complaint": {"no action taken", "no action yet", "still no action", "no response", "not received any response", "no reply", "not replied", "standard response", "automated reply", "still waiting for", "inaction", "mute spectator*", "silent spectator*", "slapped", "cops standing", "no fir", "fir not", "not lodging", "lodge fir", "register fir", "not taking any", "corrupt", "extort*", "hafta", "harassed by", "greedy for money", "collecting fines", "busy collecting", "case status", "reluctant",
		"bribe*", "corrupt*", "rude", "misbehav*", "no action", "not taking action", "refused to register",
		"refused fir", "not registering", "police inaction", "police harassment", "demanded money", "asked for money",
		"ಲಂಚ", "रिश्वत", "lanch", "rishwat", "no response from police", "not responding",
		"refused to register", "asked for bribe", "demanded bribe", "without receipt", "misbehaved", "police did nothing", "nobody came", "no one came", "did not come", "didn't come", "not picking up", "not pick up", "harassment by police", "police are protecting", "hafta", "mamool", "station writer", "rules only for", "fir nahi", "not listening", "come back tomorrow", "ದೂರು ತೆಗೆದುಕೊಳ್ಳಲಿಲ್ಲ"},
	"appreciation": {"salute*", "hats off", "thanks for", "thank you for", "great job", "good job", "kudos", "appreciate your", "appreciated", "prompt", "swift action", "quick action", "real heroes", "hero", "proud",
		"thank you", "thanks", "thank", "kudos", "great job", "well done", "salute", "appreciate*", "grateful",
		"hats off", "proud of", "good work", "quick response", "ಧನ್ಯವಾದ", "ಧನ್ಯವಾದಗಳು", "ಅಭಿನಂದನೆ", "धन्यवाद", "शुक्रिया",
		"dhanyavada", "dhanyavaad", "shukriya",
		"thanks to", "thank u", "thanku", "great work", "excellent work", "commendable", "prompt action", "prompt response", "timely help", "timely action", "heroes", "superb", "bravo", "good job", "nice work", "thankful", "shukriya", "dhanyavad"},
	"information_request": {"is it legal", "is it allowed", "is this allowed", "is that allowed", "what is the rule", "what are the rules", "till what time", "what time", "whom should", "who should i", "how to file", "how to complain", "where to complain", "what is the procedure", "do we need", "is there any rule", "please advise", "please let me know", "kindly let me know", "please inform", "kindly inform", "any traffic at", "can anyone please confirm", "can you update", "please update",
		"how to", "how can i", "how do i", "where can i", "whom to contact", "who to contact", "contact number",
		"helpline number", "procedure", "verification", "passport verification", "police verification", "permission",
		"clearance certificate", "fir status", "complaint status", "status of my complaint", "any update", "ಹೇಗೆ",
		"ಮಾಹಿತಿ", "कैसे", "जानकारी", "kaise", "hege",
		"the procedure", "which station", "do i need", "documents required", "documents needed", "what documents", "please guide", "guide me", "kindly guide", "where to", "where do i", "how much", "timings", "how do we", "can someone tell", "apply for", "tenant verification", "servant verification", "ಯಾವ ದಾಖಲೆ"},
	"lost_found": {"lost my", "i lost", "left my", "forgot my", "found a", "found wallet", "found a phone", "lost wallet",
		"lost phone", "lost bag", "lost purse", "misplaced", "lost and found", "ಕಳೆದು", "खो गया", "kho gaya", "kaledu",
		"left behind", "found this", "found an", "hand it over", "handed over", "lost passport", "lost documents", "lost aadhaar", "lost licence", "lost my phone", "lost property", "lost my purse", "lost my bag", "kho gaya", "kho gayi", "ಕಳೆದು ಹೋಗಿದೆ"},
	"civic": {"footpath*", "paver*", "manhole*", "tree*", "deforestation", "forest", "aarey", "bus stop*", "railway*", "platform*", "hawker*", "road condition*", "bad road*", "worst road*", "pathetic road*", "electric pole*", "waterlogging", "water logging", "flooded", "flooding", "drainage", "bmc", "gutter*", "speed breaker*", "divider*", "dug", "digging", "road work*", "construction work", "metro work", "white topping", "whitetopping", "local train*", "skywalk", "bridge*",
		"garbage", "pothole*", "streetlight*", "street light*", "water supply", "no water", "drain*", "sewage",
		"manhole", "bbmp", "bwssb", "bescom", "power cut", "waste", "dump*", "footpath broken", "road repair", "stray dog*",
		"ಕಸ", "ಗುಂಡಿ", "ನೀರು", "ಚರಂಡಿ", "कचरा", "गड्ढा", "kasa", "gundi", "kachra",
		"road dug", "dug up", "tanker*", "borewell", "power supply", "transformer", "encroach*", "debris", "mosquito*", "overflowing", "open drain", "no street light*", "lake pollution", "pipeline", "corporation"},
	"spam": {"follow back", "follow me", "f4f", "click here", "subscribe", "giveaway", "dm for", "earn money", "work from home",
		"promo code", "discount", "buy now", "check out my", "free followers",
		"dm now", "click the link", "link in bio", "win free", "free recharge", "followers for", "buy followers", "buy instagram", "subscribe to my", "crypto signals", "guaranteed profit", "profit guaranteed", "call now", "astrologer", "love problem*", "vashikaran", "hot singles", "download the app", "cheap flight", "best deals", "earn daily", "join now", "no investment"},
	"emergency": {},
}

// distress words are cries for help (any language); incident words name
// an emergency or crime. Both feed the emergency decision and urgency.
var distressLexicon = []string{"help", "help me", "please help", "help us", "please come", "come fast", "come quickly",
	"save me", "save us", "urgent", "urgently", "emergency", "sos", "someone help", "need help", "call ambulance",
	"send police", "send help", "hurry", "need ambulance", "police bhejo", "police bulao", "police kalisi",
	"ಸಹಾಯ", "ಕಾಪಾಡಿ", "ಬೇಗ ಬನ್ನಿ", "ತುರ್ತು", "ರಕ್ಷಿಸಿ", "sahaya", "kaapadi", "bega banni", "turtu",
	"बचाओ", "मदद", "जल्दी आओ", "bachao", "madad", "jaldi aao", "help karo", "madad karo"}

// incidentLexicon names a threat to life or safety: fire, a crash with
// injuries, violence, someone trapped, drowning, a medical collapse, a
// child taken. Since session 6 it leaves out what a desk sees every day
// and is not danger now (theft, stolen, missing, harassment, stalking,
// threats, smoke, waterlogging, fights of words): those raised the
// emergency flag on after-the-fact reports and civic complaints (see
// docs/MODELS.md, "Police emergency"). They still name categories.
var incidentLexicon = []string{"accident", "crash*", "collision", "collided", "hit by", "run over", "overturned", "injured",
	"bleeding", "unconscious", "not breathing", "dead body", "killed", "murder*", "stabbed", "stabbing", "shot", "gunshot", "shooting",
	"attacked", "attacking", "assault*", "beaten", "beating", "knife", "machete", "weapon", "gun",
	"fire broke", "caught fire", "on fire", "fire", "blaze", "flames", "explosion", "blast", "gas leak", "cylinder burst",
	"flood*", "collapse*", "tree fell", "fallen tree", "building collapse", "electrocut*", "drown*", "trapped", "stuck inside",
	"kidnap*", "abduct*", "molest*", "rape", "suicide", "heart attack", "chest pain", "fainted", "ambulance", "earthquake", "landslide", "storm", "cyclone",
	"ಅಪಘಾತ", "ಬೆಂಕಿ", "ಕೊಲೆ", "ಹಲ್ಲೆ", "ಪ್ರವಾಹ", "ಕುಸಿತ", "ಗಾಯ",
	"apaghata", "benki", "kole", "halle", "हादसा", "दुर्घटना", "आग", "हत्या", "हमला", "बाढ़", "घायल",
	"hadsa", "aag", "hamla", "maarpeet",
	"bomb", "bombs", "bombing*", "bomb blast", "bomb threat", "bomber*", "explosive*", "terror attack", "terrorist attack", "gunfire", "gunman",
	"shooter", "hostage", "evacuat*", "rescue team", "rescue operation", "rescued", "stranded", "casualt*", "wounded", "death toll",
	"tornado", "hurricane", "typhoon", "wildfire", "bushfire", "tsunami", "derail*", "stampede", "riot*", "stone pelting", "mob lynching",
	"ಬಾಂಬ್", "ಸ್ಫೋಟ", "ಭೂಕಂಪ", "ಕಾಲ್ತುಳಿತ", "बम", "धमाका", "विस्फोट", "भूकंप", "भगदड़", "dhamaka"}

// crimeLexicon names crimes that are danger now only while they happen:
// with an immediacy word ("chain snatching right now", "someone is
// stealing the battery now") they count as incident words, otherwise
// (most posts: "my bike was stolen") not.
var crimeLexicon = []string{"snatch*", "robbery", "robbing", "robbed", "theft", "stealing", "steal", "burglary", "break in", "breaking in",
	"broke in", "harass*", "stalk*", "eve teas*", "following me", "followed me", "peeche", "fight*", "fighting", "threat*", "chasing",
	"missing", "kidnap*", "ಕಳ್ಳತನ", "ನಾಪತ್ತೆ", "चोरी", "chori", "ladai", "jhagda", "maar"}

// childLexicon and missingLexicon together make an incident: a child
// gone missing is danger now even without "now" ("my 8 year old son is
// missing from the park since 10 am, please help"), where an adult not
// back since yesterday is a missing-person report. (Kannada words under
// three letters never match, so "ಮಗ" is found through "ವರ್ಷದ", "N years
// old", which a missing-child post nearly always gives.)
var childLexicon = []string{"son", "daughter", "child", "kid", "kids", "boy", "girl", "baby", "toddler", "year old", "years old",
	"ಮಗನ", "ಮಗಳು", "ಮಗು", "ಹುಡುಗ", "ಹುಡುಗಿ", "ಬಾಲಕ", "ಬಾಲಕಿ", "ವರ್ಷದ", "साल का", "साल की", "varsha", "बेटा", "बेटी", "बच्चा", "बच्ची", "लड़का", "लड़की", "maga", "magalu", "magu",
	"beta", "beti", "bachcha", "bacha", "bachi"}

var missingLexicon = []string{"missing", "gone missing", "went missing", "not come back", "not returned", "untraceable", "lost child",
	"kidnap*", "abduct*", "kaane*", "kanestilla", "ಕಾಣೆ", "ನಾಪತ್ತೆ", "लापता", "गुम", "laapata", "lapata", "gum ho"}

// afterLexicon says a report is about something already over, or a
// standing problem, not danger now ("my phone was stolen yesterday", "lost
// 40,000 to a KYC call", "no water for three days"). Without an incident
// word, a hit pulls the emergency score down: the desk still sees the
// post (category, complaint), but it is not an alarm.
var afterLexicon = []string{"yesterday", "last night", "last week", "last month", "last year", "days ago", "weeks ago", "months ago",
	"was stolen", "got stolen", "were stolen", "has been stolen", "was cheated", "got cheated", "been cheated", "lost money", "money was debited",
	"was debited", "got debited", "were debited", "fir filed", "filed an fir", "filed a complaint", "filed fir", "lodged a complaint", "complaint registered",
	"already complained", "complained many times", "for a week", "for weeks", "for months", "for days", "every day", "everyday", "every night",
	"every evening", "every morning", "daily", "since morning", "since last", "no action", "still waiting", "refund", "kal raat", "pichle hafte",
	"ನಿನ್ನೆ", "ಕಳೆದ ವಾರ", "कल रात", "पिछले हफ्ते", "ninne"}

// figurative are patterns where disaster words do not mean a disaster
// ("this song is fire", "my inbox is a disaster"). A hit pulls the
// emergency score down hard unless a cry for help is also there.
var figurativeLexicon = []string{"is fire", "is lit", "was fire", "on fire tonight", "song is fire", "track is fire", "album is fire",
	"fire track", "fire song", "fire mixtape", "straight fire", "is a disaster", "was a disaster", "total disaster", "hot mess",
	"killing it", "killed it", "kills me", "killing me", "dying of laughter", "i'm dead", "im dead", "dead tired", "bombed",
	"the bomb", "da bomb", "explode with", "exploding with", "flood of love", "flooded with love", "flooded with messages", "flooded with wishes",
	"my inbox", "meltdown", "drowning in work", "drowning in", "heart attack ride", "murder on the dancefloor", "fire emoji",
	"fired up", "fire up", "set the stage on fire", "mass", "blockbuster", "movie", "trailer", "song", "teaser", "bgm", "film",
	// Session 9, from the desk's out-of-source false alarms: a streaming
	// stick and firing someone are not a fire.
	"fire tv", "firestick", "fire stick", "kindle fire", "fire him", "fire her", "fire them", "fire this", "got fired",
	"be fired", "you're fired", "ass is on fire"}

// immediacy words say it is happening now.
var immediacyLexicon = []string{"now", "right now", "just now", "immediately", "at once", "currently",
	"ongoing", "at the moment", "minutes ago", "asap",
	"ಈಗ", "ಈಗಲೇ", "ತಕ್ಷಣ", "ಬೇಗ", "eega", "iga", "ivaga", "takshana", "bega",
	"अभी", "तुरंत", "जल्दी", "abhi", "turant", "jaldi", "fauran"}

// weakNowLexicon are immediacy words that on police-desk posts mostly say
// something else: "still not repaired", "fast moving traffic", "quick
// response", "accidents are happening". They count as immediacy for the
// emergency decision only with EmergencyRule.WeakNow (urgency always
// reads them).
var weakNowLexicon = []string{"still", "quick", "fast", "happening"}

// hypotheticalLexicon says the danger words of a post are about a risk,
// not an event: "potholes may cause an accident", "before any untoward
// incident", "an accident waiting to happen", "accident prone". With
// EmergencyRule.Hypothetical the incident words of such a post do not
// count and the score is pulled down (unless a child is missing).
var hypotheticalLexicon = []string{"may cause", "can cause", "could cause", "will cause", "might cause", "cause accident*",
	"cause an accident", "causing accident*", "before any", "before some", "before someone", "before an", "waiting to happen",
	"accident prone", "accident spot", "prone to", "risk of", "can fall", "may fall", "might fall", "someone will", "will die",
	"can die", "could die", "may die", "any time", "anytime", "any moment", "untoward", "in case of", "incase of", "if any",
	"lead to", "leads to", "result in", "chances of", "chance of", "life threatening", "life-threatening", "threat to life",
	"waiting for", "god forbid", "unfortunate", "accidents are", "accidents happen*", "accidents happening", "many accidents",
	"so many accidents", "daily accidents", "road safety", "safety hazard", "dangerous for", "danger for", "dangerous to"}
