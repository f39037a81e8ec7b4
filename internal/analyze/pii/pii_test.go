package pii

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/post"
)

// aadhaarFrom appends the Verhoeff check digit to 11 digits.
func aadhaarFrom(t testing.TB, d11 string) string {
	for c := '0'; c <= '9'; c++ {
		if verhoeff([]byte(d11 + string(c))) {
			return d11 + string(c)
		}
	}
	t.Fatalf("no check digit for %s", d11)
	return ""
}

func TestFind(t *testing.T) {
	a := aadhaarFrom(t, "23456789012")
	bad := a[:11] + string('0'+(a[11]-'0'+1)%10)
	spaced := a[:4] + " " + a[4:8] + " " + a[8:]
	cases := []struct {
		text string
		want []string // "type:matched text"
	}{
		{"call me on 9845012345 now", []string{"phone:9845012345"}},
		{"call +91 98450 12345.", []string{"phone:+91 98450 12345"}},
		{"ph: +91-98450-12345", []string{"phone:+91-98450-12345"}},
		{"station 080-22942573 or 08022942573", []string{"phone:080-22942573", "phone:08022942573"}},
		{"919845012345 is my whatsapp", []string{"phone:919845012345"}},
		{"my no 09845012345", []string{"phone:09845012345"}},
		{"not a phone 5845012345 nor 98450123456789", nil},
		{"order id 12345", nil},
		{"aadhaar " + a, []string{"aadhaar:" + a}},
		{"aadhaar " + spaced + " pls", []string{"aadhaar:" + spaced}},
		{"wrong check " + bad, nil},
		{"starts with one 1" + a[1:], nil},
		{"PAN ABCPE1234F and abcpe1234f", []string{"pan:ABCPE1234F", "pan:abcpe1234f"}},
		{"not PAN ABCXE1234F (X is no holder type)", nil},
		{"car KA 01 AB 1234 hit", []string{"vehicle:KA 01 AB 1234"}},
		{"KA-01-AB-1234, KA01AB1234 and ka01ab1234", []string{"vehicle:KA-01-AB-1234", "vehicle:KA01AB1234", "vehicle:ka01ab1234"}},
		{"bike KA 05 M 1234.", []string{"vehicle:KA 05 M 1234"}},
		{"BH plate 22 BH 1234 AB", []string{"vehicle:22 BH 1234 AB"}},
		{"we left as 2 pm 5 friends", nil},
		{"mail x.y+z@example.co.in today", []string{"email:x.y+z@example.co.in"}},
		{"@handle and a@b not mail", nil},
		{"see https://example.com/a?b=9845012345). ok", []string{"url:https://example.com/a?b=9845012345"}},
		{"www.ksp.gov.in, thanks", []string{"url:www.ksp.gov.in"}},
		{"FIR No. 123/2024 filed", []string{"fir:FIR No. 123/2024"}},
		{"Cr. No. 45/2023 and crime no: 7/22", []string{"fir:Cr. No. 45/2023", "fir:crime no: 7/22"}},
		{"the firm 12/2024", nil},
		{"ಕರೆ ಮಾಡಿ 9845012345 ದಯವಿಟ್ಟು", []string{"phone:9845012345"}},
		{"", nil},
	}
	for _, c := range cases {
		got := Find(c.text)
		var gs []string
		for _, s := range got {
			gs = append(gs, s.Type+":"+c.text[s.Start:s.End])
		}
		if fmt.Sprint(gs) != fmt.Sprint(c.want) {
			t.Errorf("Find(%q) = %q, want %q", c.text, gs, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	text := "Call 9845012345 or mail a@ex.com about KA 01 AB 1234"
	got := Redact(text, Find(text))
	if got != "Call [phone] or mail [email] about [vehicle]" {
		t.Errorf("Redact = %q", got)
	}
	if Redact("abc", []post.Span{{Type: "x", Start: 2, End: 9}, {Type: "y", Start: 2, End: 1}}) != "abc" {
		t.Error("out-of-range spans must be ignored")
	}
}

func FuzzFind(f *testing.F) {
	for _, s := range []string{"call +91 98450 12345", "KA-01-AB-1234", "FIR No. 123/2024", "x@y.in www.a.b", "22 BH 1234 AB", "ABCPE1234F", "2345 6789 0123", "\xff+9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans := Find(s)
		last := 0
		for _, sp := range spans {
			if sp.Start < last || sp.End <= sp.Start || sp.End > len(s) || priority[sp.Type] == 0 {
				t.Fatalf("bad span %+v in %q (spans %+v)", sp, s, spans)
			}
			last = sp.End
		}
		r := Redact(s, spans)
		for _, sp := range spans {
			if sp.Type == Phone && strings.Contains(r, s[sp.Start:sp.End]) && !strings.Contains(s[sp.End:], s[sp.Start:sp.End]) && !strings.Contains(s[:sp.Start], s[sp.Start:sp.End]) {
				t.Fatalf("redacted text still has %q", s[sp.Start:sp.End])
			}
		}
	})
}

var benchText = "Chain snatching near Jayanagar 4th block at 7pm, two men on a bike KA 05 M 1234. My number is +91 98450 12345, please call. https://t.co/abc123 #BengaluruPolice @BlrCityPolice"

func BenchmarkFind(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	for i := 0; i < b.N; i++ {
		Find(benchText)
	}
}
