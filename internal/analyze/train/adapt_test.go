package train

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/analyze/model"
)

// TestAdaptBorrowsFromAux checks the point of trainOvRNBAdapt: a word the
// target data never has, but the aux data labels, moves the adapted head
// (through the shared block) and not the head trained on the target alone,
// while the target's own words keep their meaning.
func TestAdaptBorrowsFromAux(t *testing.T) {
	const (
		acha, bura, good, bad, filler = 1, 2, 3, 4, 5
	)
	ex := func(word uint32, label int) model.Example {
		return model.Example{Idx: []uint32{word, filler}, Val: []float32{1, 0.5}, Label: label, Weight: 1}
	}
	var target, aux []model.Example
	for i := 0; i < 40; i++ {
		target = append(target, ex(acha, 1), ex(bura, 0))
		aux = append(aux, ex(good, 1), ex(bad, 0))
	}
	opt := model.Options{C: 1, Bits: 10}
	adapted := trainOvRNBAdapt(target, aux, 2, opt)
	alone := trainOvRNB(target, 2, opt)
	margin := func(d *model.Dense, word uint32) float32 {
		z := d.Score([]uint32{word}, []float32{1}, nil)
		return z[1] - z[0]
	}
	if m := margin(adapted, good); m <= 0.5 {
		t.Errorf("adapted head: margin for an aux-only positive word %.3f, want > 0.5", m)
	}
	if m := margin(adapted, bad); m >= -0.5 {
		t.Errorf("adapted head: margin for an aux-only negative word %.3f, want < -0.5", m)
	}
	if m := margin(alone, good); m < -0.01 || m > 0.01 {
		t.Errorf("target-only head moved on a word it never saw: %.3f", m)
	}
	if m := margin(adapted, acha); m <= 0.5 {
		t.Errorf("adapted head lost the target's own positive word: %.3f", m)
	}
	if m := margin(adapted, bura); m >= -0.5 {
		t.Errorf("adapted head lost the target's own negative word: %.3f", m)
	}
}
