package xtext

import (
	"strings"
	"testing"
)

func TestWeighted(t *testing.T) {
	cases := []struct {
		s    string
		want int
	}{
		{"hello", 5},
		{"ನಮಸ್ಕಾರ", 7}, // Kannada: weight 1 per code point
		{"नमस्ते", 6},  // Devanagari
		{"東京", 4},      // CJK weight 2
		{"see https://example.com/a/very/long/path?x=1 now", 4 + 23 + 4},
		{"www.kaval.example", 23},
		{"“quoted”", 8}, // U+201C/D are in a weight-1 range
		{"👍", 2},
		{"👍🏽", 2}, // skin tone modifier counted 0
	}
	for _, c := range cases {
		if got := Weighted(c.s); got != c.want {
			t.Errorf("Weighted(%q) = %d, want %d", c.s, got, c.want)
		}
	}
	if Weighted(strings.Repeat("a", 280)) != 280 || Weighted(strings.Repeat("東", 141)) != 282 {
		t.Fatal("limits")
	}
}
