package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/geo/shape"
)

// ImportOptions says how to read a force's own FeatureCollection: which
// feature properties hold the unit's name, kind, code and parent.
type ImportOptions struct {
	NameProp      string // property with the unit name; default "name"
	NameKnProp    string // optional: regional-language name
	KindProp      string // optional: property with the kind; else DefaultKind
	DefaultKind   string // default "station"
	CodeProp      string // optional: property with the code; else CodePrefix + slug(name)
	CodePrefix    string // e.g. "hyd/ps/"; used only without CodeProp
	ParentProp    string // optional: property with the parent's code; else DefaultParent
	DefaultParent string
	PhoneProp     string // optional
	EmailProp     string // optional
	MaxBytes      int64  // input limit; default 32 MiB
	MaxFeatures   int    // default 5,000
}

// Limits on imported text fields.
const (
	maxNameLen = 200
	maxCodeLen = 120
)

// ParseGeoJSON reads a GeoJSON FeatureCollection of unit boundaries. It is
// strict: any feature it cannot turn into a valid unit is an error naming
// the feature, and nothing is returned, so an import is all or nothing.
// Station kinds must have a Polygon/MultiPolygon geometry; other kinds may
// have none.
func ParseGeoJSON(r io.Reader, opt ImportOptions) ([]Unit, error) {
	if opt.NameProp == "" {
		opt.NameProp = "name"
	}
	if opt.DefaultKind == "" {
		opt.DefaultKind = KindStation
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = 32 << 20
	}
	if opt.MaxFeatures <= 0 {
		opt.MaxFeatures = 5000
	}
	if !ValidKind(opt.DefaultKind) {
		return nil, fmt.Errorf("geo: default kind %q is not a unit kind", opt.DefaultKind)
	}
	data, err := io.ReadAll(io.LimitReader(r, opt.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("geo: unable to read GeoJSON: %w", err)
	}
	if int64(len(data)) > opt.MaxBytes {
		return nil, fmt.Errorf("geo: GeoJSON is larger than %d bytes", opt.MaxBytes)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("geo: GeoJSON is not valid UTF-8")
	}
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&fc); err != nil {
		return nil, fmt.Errorf("geo: unable to decode GeoJSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("geo: unexpected data after the GeoJSON object")
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("geo: GeoJSON type is %q, want FeatureCollection", fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, errors.New("geo: FeatureCollection has no features")
	}
	if len(fc.Features) > opt.MaxFeatures {
		return nil, fmt.Errorf("geo: FeatureCollection has %d features, more than %d", len(fc.Features), opt.MaxFeatures)
	}
	units := make([]Unit, 0, len(fc.Features))
	seen := map[string]int{}
	points := 0
	for i, raw := range fc.Features {
		var f struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Geometry   json.RawMessage            `json:"geometry"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("geo: feature %d: %w", i, err)
		}
		if f.Type != "Feature" {
			return nil, fmt.Errorf("geo: feature %d: type is %q, want Feature", i, f.Type)
		}
		prop := func(name string, required bool) (string, error) {
			if name == "" {
				return "", nil
			}
			v, ok := f.Properties[name]
			if !ok || string(v) == "null" {
				if required {
					return "", fmt.Errorf("geo: feature %d: property %q is missing", i, name)
				}
				return "", nil
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				var n json.Number
				if err2 := json.Unmarshal(v, &n); err2 != nil {
					return "", fmt.Errorf("geo: feature %d: property %q is not a string or number", i, name)
				}
				s = n.String()
			}
			s = strings.TrimSpace(s)
			if required && s == "" {
				return "", fmt.Errorf("geo: feature %d: property %q is empty", i, name)
			}
			if len(s) > maxNameLen || strings.IndexFunc(s, unicode.IsControl) >= 0 {
				return "", fmt.Errorf("geo: feature %d: property %q is too long or has control characters", i, name)
			}
			return s, nil
		}
		var u Unit
		if u.Name, err = prop(opt.NameProp, true); err != nil {
			return nil, err
		}
		if u.NameKn, err = prop(opt.NameKnProp, false); err != nil {
			return nil, err
		}
		if u.Kind, err = prop(opt.KindProp, false); err != nil {
			return nil, err
		}
		if u.Kind == "" {
			u.Kind = opt.DefaultKind
		}
		if !ValidKind(u.Kind) {
			return nil, fmt.Errorf("geo: feature %d (%s): kind %q is not one of force, division, subdivision, station, traffic_division, traffic_subdivision, traffic_station", i, u.Name, u.Kind)
		}
		if u.Code, err = prop(opt.CodeProp, opt.CodeProp != ""); err != nil {
			return nil, err
		}
		if u.Code == "" {
			u.Code = opt.CodePrefix + Slug(u.Name)
		}
		if err := checkCode(u.Code); err != nil {
			return nil, fmt.Errorf("geo: feature %d (%s): %w", i, u.Name, err)
		}
		if j, dup := seen[u.Code]; dup {
			return nil, fmt.Errorf("geo: feature %d (%s): code %q already used by feature %d", i, u.Name, u.Code, j)
		}
		seen[u.Code] = i
		if u.ParentCode, err = prop(opt.ParentProp, false); err != nil {
			return nil, err
		}
		if u.ParentCode == "" {
			u.ParentCode = opt.DefaultParent
		}
		if u.ParentCode != "" {
			if err := checkCode(u.ParentCode); err != nil {
				return nil, fmt.Errorf("geo: feature %d (%s): parent: %w", i, u.Name, err)
			}
			if u.ParentCode == u.Code {
				return nil, fmt.Errorf("geo: feature %d (%s): unit is its own parent", i, u.Name)
			}
		}
		if u.Phone, err = prop(opt.PhoneProp, false); err != nil {
			return nil, err
		}
		if u.Email, err = prop(opt.EmailProp, false); err != nil {
			return nil, err
		}
		if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
			if u.Kind == KindStation || u.Kind == KindTrafficStation {
				return nil, fmt.Errorf("geo: feature %d (%s): a %s needs a Polygon or MultiPolygon geometry", i, u.Name, u.Kind)
			}
		} else {
			s, err := shape.Parse(f.Geometry)
			if err != nil {
				return nil, fmt.Errorf("geo: feature %d (%s): %w", i, u.Name, err)
			}
			if points += s.Points(); points > shape.MaxPoints {
				return nil, fmt.Errorf("geo: FeatureCollection has more than %d positions", shape.MaxPoints)
			}
			if s.Area() == 0 {
				return nil, fmt.Errorf("geo: feature %d (%s): polygon has no area", i, u.Name)
			}
			u.Geometry = s.GeoJSON()
			u.Lon, u.Lat = s.InteriorPoint()
		}
		units = append(units, u)
	}
	// Parents named inside the file must exist in it unless they are
	// outside the file's own code space (an existing unit in the store,
	// which the caller checks).
	for i, u := range units {
		if u.ParentCode == "" {
			continue
		}
		if _, ok := seen[u.ParentCode]; !ok && opt.ParentProp != "" && u.ParentCode != opt.DefaultParent {
			return nil, fmt.Errorf("geo: feature %d (%s): parent %q is not in the file", i, u.Name, u.ParentCode)
		}
	}
	return units, nil
}

// checkCode allows lower-case ASCII letters, digits and - _ / . only, so
// codes are safe in URLs and logs.
func checkCode(c string) error {
	if c == "" || len(c) > maxCodeLen {
		return fmt.Errorf("code %q is empty or longer than %d bytes", c, maxCodeLen)
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '/' || b == '.') {
			return fmt.Errorf("code %q has a character other than a-z 0-9 - _ / .", c)
		}
	}
	if strings.HasPrefix(c, "/") || strings.HasSuffix(c, "/") || strings.Contains(c, "//") || strings.Contains(c, "..") {
		return fmt.Errorf("code %q has an empty path segment", c)
	}
	return nil
}

// Slug turns a unit name into a code segment: lower-case ASCII letters and
// digits joined by single dashes, dots dropped ("J.C. Nagar" → "jc-nagar").
// Names with no ASCII letters (e.g. Kannada only) get "u" plus a number
// derived from the name so codes stay unique and stable.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case r == '.' || r == '\'':
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		var h uint32 = 2166136261
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
		out = "u" + strconv.FormatUint(uint64(h), 36)
	}
	if len(out) > 80 {
		out = strings.TrimRight(out[:80], "-")
	}
	return out
}
