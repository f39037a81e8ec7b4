// Package xtext counts post length the way X does (twitter-text v3
// "weighted length"), shared by the X connector's pre-flight check and the
// fake X server.
//
// The v3 configuration: scale 100, default weight 200 (a character counts
// 2), weight 100 (counts 1) for the ranges U+0000–U+10FF (Latin, Greek,
// Cyrillic, Arabic, Hebrew and all Indic scripts: Devanagari, Kannada,
// Tamil, Telugu, Malayalam… fall below U+10FF), U+2000–U+200D,
// U+2010–U+201F and U+2032–U+2037; every URL counts 23; text is NFC
// normalised first. CJK, Hangul and emoji therefore count 2.
//
// Approximations, documented: an emoji counts 2 per code point except
// variation selectors and skin-tone modifiers (0) and ZWJ (1), where
// twitter-text counts a whole emoji sequence as 2; URLs are recognised only
// with an http(s):// or www. prefix, where twitter-text also finds bare
// domains. Both approximations err towards counting more, so a post we
// accept is never refused by X for length.
package xtext

import (
	"regexp"

	"golang.org/x/text/unicode/norm"
)

// MaxWeighted is X's limit for a normal account.
const MaxWeighted = 280

// URLWeight is what any URL counts (t.co wrapping).
const URLWeight = 23

var urlRE = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+`)

// Weighted returns the weighted length of s.
func Weighted(s string) int {
	s = norm.NFC.String(s)
	n := 0
	last := 0
	for _, m := range urlRE.FindAllStringIndex(s, -1) {
		n += runes(s[last:m[0]]) + URLWeight
		last = m[1]
	}
	return n + runes(s[last:])
}

func runes(s string) int {
	n := 0
	for _, r := range s {
		n += weight(r)
	}
	return n
}

func weight(r rune) int {
	switch {
	case r <= 0x10FF,
		r >= 0x2000 && r <= 0x200D,
		r >= 0x2010 && r <= 0x201F,
		r >= 0x2032 && r <= 0x2037:
		return 1
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0x1F3FB && r <= 0x1F3FF:
		return 0
	}
	return 2
}
