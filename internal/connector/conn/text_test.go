package conn

import "testing"

func TestHTMLText(t *testing.T) {
	for in, want := range map[string]string{
		"  plain  ": "plain",
		"<p>Pothole on <a href=x>MG Road</a></p><p>near   metro</p>": "Pothole on MG Road\n\nnear metro",
		"a<br>b<script>alert(1)</script>":                            "a\nb",
		"Fish &amp; chips":                                           "Fish & chips",
		"<p><p>broken <b>markup":                                     "broken markup",
	} {
		if got := HTMLText(in); got != want {
			t.Errorf("HTMLText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := TidyText("\n\n a  b \n\n\n\nc\n\n"); got != "a b\n\nc" {
		t.Errorf("TidyText = %q", got)
	}
}
