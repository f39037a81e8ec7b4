package post

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// fill sets v (a settable value) to random contents, reaching every field
// by reflection, so a field added to Analysis that AppendJSON does not
// write makes TestAppendJSONMatchesMarshal fail.
func fill(r *rand.Rand, v reflect.Value) {
	strs := []string{"", "en", "Koramangala PS", "<script>&amp;</script>", "a\"b\\c", "line\nbreak\ttab\r\b\f\x01\x1f",
		"ಕೋರಮಂಗಲ", "bad\xffutf8\xc3", "\u2028\u2029", "emoji 😀", "\x7f"}
	switch v.Kind() {
	case reflect.String:
		if r.Intn(4) == 0 {
			b := make([]byte, r.Intn(12))
			r.Read(b)
			v.SetString(string(b))
		} else {
			v.SetString(strs[r.Intn(len(strs))])
		}
	case reflect.Bool:
		v.SetBool(r.Intn(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(r.Int63n(2000) - 1000)
	case reflect.Float64:
		fs := []float64{0, -0.0, 1, -1, 0.5, 1e-7, -3.2e-9, 1e21, 12.97123, 77.59, 1.0 / 3, math.MaxFloat64, math.SmallestNonzeroFloat64, 1e20}
		if r.Intn(2) == 0 {
			v.SetFloat(fs[r.Intn(len(fs))])
		} else {
			v.SetFloat(r.NormFloat64() * math.Pow(10, float64(r.Intn(30)-15)))
		}
	case reflect.Pointer:
		if r.Intn(3) > 0 {
			p := reflect.New(v.Type().Elem())
			fill(r, p.Elem())
			v.Set(p)
		}
	case reflect.Slice:
		switch n := r.Intn(5); n {
		case 0: // nil
		default:
			s := reflect.MakeSlice(v.Type(), n-1, n-1)
			for i := 0; i < n-1; i++ {
				fill(r, s.Index(i))
			}
			v.Set(s)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(r, v.Field(i))
		}
	default:
		panic("fill: unhandled kind " + v.Kind().String() + ": teach fill and AppendJSON the new field")
	}
}

func TestAppendJSONMatchesMarshal(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		var a Analysis
		fill(r, reflect.ValueOf(&a).Elem())
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[6:], want) {
			t.Fatalf("analysis %d:\n got %s\nwant %s", i, got[6:], want)
		}
	}
}

func TestAppendJSONRejectsNaN(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		a := Analysis{Places: []Place{{Lat: f}}}
		if _, err := json.Marshal(a); err == nil {
			t.Fatal("Marshal took a non-number")
		}
		if _, err := a.AppendJSON(nil); err == nil {
			t.Errorf("AppendJSON took %v", f)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a<b>&c", "\xff\xfe", "\u2028", "ಕ", "\"\\\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	st := "Koramangala PS"
	a := Analysis{Lang: "en", Script: "Latn", Sentiment: Sentiment{"negative", -0.42}, Categories: []Category{{"traffic_parking", 0.71}},
		Places:  []Place{{Text: "Koramangala 5th block", Start: 10, End: 31, Ward: "Koramangala", Station: st, Lat: 12.93, Lon: 77.62, Confidence: 0.85, Source: "text"}},
		Station: &st, PII: []Span{}, SimHash: "e6a7c11d5610c71d", ModelVersion: "kaval-lin-2"}
	b.Run("AppendJSON", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		for i := 0; i < b.N; i++ {
			buf, _ = a.AppendJSON(buf[:0])
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			json.Marshal(a)
		}
	})
}
