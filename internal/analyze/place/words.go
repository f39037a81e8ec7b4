package place

import "strings"

// aliasList: landmarks, junctions and nicknames people use instead of a
// locality name, each pointing at a name already in the gazetteer (its
// point and jurisdiction come from the data, not from this list).
// needsContext marks aliases that are also ordinary words or brands.
var aliasList = []struct {
	alias, target string
	needsContext  bool
}{
	// Silk Board, Majestic, KR Market, Church Street, UB City, Brigade
	// Road, Forum mall, Sony World, Tin Factory, ITPL and Ecospace have
	// points of their own in the curated landmark layer.
	{"kbs", "Kempegowda Bus Station", true}, {"kalasipalyam", "Kalasipalya", false},
	{"mg road", "Cubbon Park", false},
	{"kia", "Kempegowda International Airport", true}, {"bial", "Kempegowda International Airport", false},
	{"bengaluru airport", "Kempegowda International Airport", false}, {"bangalore airport", "Kempegowda International Airport", false},
	{"blr airport", "Kempegowda International Airport", false}, {"ಕೆಂಪೇಗೌಡ ವಿಮಾನ ನಿಲ್ದಾಣ", "Kempegowda International Airport", false},
	{"hsr", "HSR Layout", false}, {"btm", "BTM Layout", false}, {"hbr", "HBR Layout", false},
	{"bsk", "Banashankari", false}, {"kg halli", "Kadugondana Halli", false}, {"dj halli", "Devarajeevanahalli", false},
	{"ks layout", "Kumaraswamy Layout", false}, {"ecity", "Electronic City", false}, {"e city", "Electronic City", false},
	{"electronics city", "Electronic City", false}, {"ulsoor", "Halasur", false}, {"ulsoor gate", "Halasurgate", false},
	{"jp nagar", "J.P Nagar", false}, {"rmc yard", "Yeshwanthpura RMC Yard", false}, {"sj park", "S.J. Park", false},
}

// commonWords are everyday English (and generic place) words. A place
// whose whole name is one of them ("Market", "Victoria", "Central") is
// only taken with a capital letter after a context word ("near Market"),
// and they are never spelling-corrected into place names.
var commonWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
a about above after again against all also am an and any are around as at away back bad be because been before being below
between big both but by call came can city come could day did do does doing done down during each early east even every
few first for free from full further get give go going good great had has have having he help her here hers him his home
how i if in into is it its just know last late left let life like line little long look made main make man many may me
more most much must my near need never new next night no nor north not now of off old on once one only open or other our
out over own part people place please police post public put right road said same saw say school see she should show side
since small so some south still stop street such take than thank thanks that the their them then there these they thing
this those through time to today too town traffic under until up us very want was water way we well went were west what
when where which while who why will with without work would year yes yet you your
accident address area block bridge building bus camp central church circle city college colony corner cross court cottage
district extension factory farm fort garden gardens gate ground grounds hall hill hills hospital hotel house industrial
institute jail junction lake land layout lines lane layout mall mandir market masjid metro mission museum nagar office
palace park pet point pond post road science silk stage station stadium stand temple tower town valley village ward
water colony new old upper lower victoria airport estate main sector phase government college arabic
commercial electric electronic international small gandhi nehru indira rajiv national royal green white golden
fraser cox frazer wilson richmond richards langford cooke benson austin murphy johnson cleveland hudson hosur
rural urban town taluk
`) {
		commonWords[keyOf(w)] = true
	}
}

// orgWords name organisations citizens address (the city corporation,
// water board, electricity company, transport corporations), never a
// place by themselves, although the pack has places named after some
// ("BBMP" offices).
var orgWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("bbmp gba bwssb bescom bmtc ksrtc bda bmrcl kptcl bbmpcomm bbmp_mayor nammametro bmrc police traffic") {
		orgWords[keyOf(w)] = true
	}
}

// genericWords end locality names ("Y G Palya", "Singana Agrahara"):
// written after a word the gazetteer lacks, the post names that other
// place, not the village that happens to be called "Palya" or
// "Agrahara"; only after a context word ("near Palya") is the word itself
// the place ("Poora India…", "pura kiya": Hindi "whole", not Pura).
var genericWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("palya palyam halli hally agrahara nagar nagara layout colony pura puram pete pet extension stage block sandra kere gudi garden town village hobli post circle road cross main gate doddi guppe gere kunte") {
		genericWords[keyOf(w)] = true
	}
}
