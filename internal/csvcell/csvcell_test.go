package csvcell

import "testing"

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0", "  +1": "'  +1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx",
		"\uff1d1+1": "'\uff1d1+1", "Adugodi PS": "Adugodi PS", "": "", "12": "12", "a=b": "a=b",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}
