package train

import "testing"

// TestCVVariantsRestore: every --cv-variants setting is undone after its
// folds, so one run measuring several settings cannot leak one into the
// next (or into a model written later), and a bad setting is an error.
func TestCVVariantsRestore(t *testing.T) {
	c, nb, ad, cl := C["sentiment_hi"], NBSentiment["sentiment_hi"], AdaptSentiment["sentiment_hi"], CleanSentiment["sentiment_hi"]
	for _, v := range []string{"shipped", "c=0.25", "nb", "adapt", "softmax", "unbalanced", "calibrate", "clean=0.3"} {
		restore, err := withVariant("sentiment_hi", v)
		if err != nil {
			t.Fatal(err)
		}
		restore()
		if C["sentiment_hi"] != c || NBSentiment["sentiment_hi"] != nb || AdaptSentiment["sentiment_hi"] != ad ||
			CleanSentiment["sentiment_hi"] != cl || Unbalanced["sentiment_hi"] || Calibrate["sentiment_hi"] {
			t.Errorf("%s left a setting changed", v)
		}
	}
	_, ok1 := Calibrate["sentiment_hi"]
	_, ok2 := Unbalanced["sentiment_hi"]
	if ok1 || ok2 {
		t.Error("a restore left a key behind")
	}
	for _, bad := range []string{"c=x", "bogus", "clean="} {
		restore, err := withVariant("sentiment_kn", bad)
		restore()
		if err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Folds are dealt by the text alone: a text that recurs is in one fold.
	if cvFoldOf("Super sir", 5) != cvFoldOf("Super sir", 5) || cvFoldOf("a", 1) != 0 {
		t.Error("fold of a text is not fixed")
	}
	seen := map[int]bool{}
	for _, s := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
		seen[cvFoldOf(s, 3)] = true
	}
	if len(seen) != 3 {
		t.Errorf("12 texts fell in %d of 3 folds", len(seen))
	}
}
