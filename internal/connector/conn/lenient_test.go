package conn

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestIDStringOrNumber(t *testing.T) {
	var v struct {
		A, B, C, D ID
	}
	if err := json.Unmarshal([]byte(`{"A":"101112131415161","B":7100000000000000001,"C":null,"D":-1001234567890}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "101112131415161" || v.B != "7100000000000000001" || v.C != "" || v.D != "-1001234567890" {
		t.Fatalf("%+v", v)
	}
	for _, bad := range []string{`{"A":1.5}`, `{"A":true}`, `{"A":{}}`, `{"A":[1]}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestDecodeReasonNamesFieldAndType(t *testing.T) {
	var v struct {
		Entry []struct{ Time int } `json:"entry"`
	}
	err := json.Unmarshal([]byte(`{"entry":[{"Time":"soon"}]}`), &v)
	if r := DecodeReason(err); !strings.Contains(r, "entry.Time") || !strings.Contains(r, "string") {
		t.Fatalf("%q", r)
	}
	err = json.Unmarshal([]byte(`{"entry":`), &v)
	if r := DecodeReason(err); r == "" {
		t.Fatal("no reason for truncated JSON")
	}
	if r := DecodeReason(errors.New(strings.Repeat("x", 500))); len(r) > 200 {
		t.Fatal("reason not bounded")
	}
}

func FuzzID(f *testing.F) {
	for _, s := range []string{`"1"`, `1`, `-1`, `null`, `1e3`, `"\u0000"`, `18446744073709551615`, `99999999999999999999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var id ID
		if err := id.UnmarshalJSON(b); err != nil {
			return
		}
		if len(id) > len(b) {
			t.Fatalf("id %q longer than its input", id)
		}
	})
}
