package lang

import (
	"strings"
	"unicode"
)

// english are frequent English words that rarely occur as romanised
// Kannada, Hindi, Tamil or Malayalam words.
var english = set(`the is are was were be been this that these those with for from have has had
not you your they their what when where which who why how will would should could can
very good bad please help police sir madam thank thanks thank you road traffic people
movie song super nice best love and but or of in on at my me we our it its there here
all some any just only also about after before because today now time day night
near need needed fire accident ambulance again huge still since stuck hours minutes morning evening
broken water power street area someone urgent immediately`)

// indic are frequent romanised Kannada, Hindi, Tamil and Malayalam function
// words and particles.
var indic = set(`hai hain nahi nahin nhi kya kyu kyun aur bhi toh ko ki ka ke mein mai hum tum
aap yeh ye woh wo kuch bahut abhi jaldi bhai yaar ji acha accha kab karo kar raha rahe tha thi hoga
illa alla idu adu ide ade madi maadi nodi anna guru yenu enu swalpa tumba chennagi nimma namma
bega beku beda agide aagide helri barri ella hege yake yaake ivaga eega
ennada enna romba illai irukku vanakkam thalaiva nalla ethu
aanu alle ente njan ningal oru pinne enthu`)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// Markers counts English and romanised Indian-language marker words among
// the Latin words of text, and the Latin words in all. It looks at the
// first 400 words only.
func Markers(text string) (englishWords, indicWords, words int) {
	var buf [32]byte
	i := 0
	for i < len(text) && words < 400 {
		// Find the next ASCII letter run.
		for i < len(text) && !isASCIILetter(text[i]) {
			i++
		}
		j := i
		for j < len(text) && isASCIILetter(text[j]) {
			j++
		}
		if j == i {
			break
		}
		if j < len(text) && text[j] >= 0x80 {
			// A Latin run glued to other letters is not a word of its own.
			r := []rune(text[j:min(len(text), j+4)])
			if len(r) > 0 && unicode.IsLetter(r[0]) {
				i = j + 1
				continue
			}
		}
		words++
		if j-i <= len(buf) {
			w := buf[:0]
			for k := i; k < j; k++ {
				w = append(w, text[k]|0x20)
			}
			if english[string(w)] {
				englishWords++
			} else if indic[string(w)] {
				indicWords++
			}
		}
		i = j
	}
	return
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
