package devsample

import (
	"testing"
	"unicode/utf8"
)

// TestPosts: the sample is there, of the promised lengths, and holds
// Kannada script (the dev split of KanCMD has it) as well as Latin text.
func TestPosts(t *testing.T) {
	ps, err := Posts(2000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2000 {
		t.Fatalf("%d posts", len(ps))
	}
	kn := 0
	for _, p := range ps {
		if n := utf8.RuneCountInString(p); n < 80 || n > 280 {
			t.Fatalf("%d characters: %q", n, p)
		}
		for _, r := range p {
			if r >= 0x0C80 && r <= 0x0CFF {
				kn++
				break
			}
		}
	}
	if kn < 5 {
		t.Fatalf("only %d Kannada-script posts", kn)
	}
	t.Logf("%d posts, %d with Kannada script", len(ps), kn)
}
