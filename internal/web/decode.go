package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DecodeJSON reads the request body into dst strictly: Content-Type must
// be application/json; the body must be valid UTF-8 holding exactly one
// JSON object; unknown fields and wrong types are rejected with the field's
// name. Every failure is an *Error with a 4xx status, so a handler can just
// `return err`. The body size limit is the server's (MaxBytesReader).
func DecodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "Content-Type must be application/json"}
		}
	} else {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "Content-Type must be application/json"}
	}
	if r.Body == nil {
		return &Error{Status: http.StatusBadRequest, Code: "empty_body", Message: "request body is empty"}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
		}
		return &Error{Status: http.StatusBadRequest, Code: "unreadable_body", Message: "unable to read request body", Err: err}
	}
	return decodeBytes(b, dst)
}

func decodeBytes(b []byte, dst any) error {
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	if len(trimmed) == 0 {
		return &Error{Status: http.StatusBadRequest, Code: "empty_body", Message: "request body is empty"}
	}
	if !utf8.Valid(b) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_utf8", Message: "request body is not valid UTF-8"}
	}
	if trimmed[0] != '{' {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: "request body must be a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: "request body must contain a single JSON object"}
	}
	if key := duplicateKey(b); key != "" {
		// encoding/json keeps the last of repeated keys; a proxy or WAF in
		// front may have checked the first. Refuse the ambiguity.
		return &Error{Status: http.StatusBadRequest, Code: "duplicate_field", Field: key, Message: fmt.Sprintf("field %q appears more than once", key)}
	}
	return nil
}

// duplicateKey returns the first key repeated within one JSON object of
// an already validated document, or "".
func duplicateKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		keys   map[string]bool // nil for arrays
		expect bool            // in an object: the next token is a key (or '}')
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].expect {
			if k, ok := tok.(string); ok {
				if stack[n-1].keys[k] {
					return k
				}
				stack[n-1].keys[k], stack[n-1].expect = true, false
				continue
			}
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, &frame{keys: map[string]bool{}, expect: true})
				continue
			case '[':
				stack = append(stack, &frame{})
				continue
			default: // '}' or ']'
				if len(stack) == 0 {
					return ""
				}
				stack = stack[:len(stack)-1]
			}
		}
		// A value ended: an enclosing object expects a key next.
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].expect = true
		}
	}
}

func jsonError(err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: fmt.Sprintf("malformed JSON at byte %d", syn.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: "malformed JSON: unexpected end of body"}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return &Error{Status: http.StatusBadRequest, Code: "wrong_type", Field: field,
			Message: fmt.Sprintf("field %q must be %s, not %s", field, jsonKind(typ.Type), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return &Error{Status: http.StatusBadRequest, Code: "unknown_field", Field: name, Message: fmt.Sprintf("unknown field %q", name)}
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_json", Message: "malformed JSON", Err: err}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.Kind().String()
}

// JSON writes v as the response with status. It returns nil so handlers
// can end with `return web.JSON(w, 200, v)`; a failed write is the
// client's problem and is not reported.
func JSON(w http.ResponseWriter, status int, v any) error {
	writeJSON(w, status, v)
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"unable to encode response"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
	w.Write([]byte{'\n'})
}

// PathID parses the path wildcard name as a positive int64 id.
func PathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, &Error{Status: http.StatusBadRequest, Code: "invalid_id", Field: name, Message: fmt.Sprintf("%s must be a positive integer", name)}
	}
	return id, nil
}

// QueryInt parses an optional integer query parameter within [min, max].
func QueryInt(r *http.Request, name string, def, min, max int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		return 0, &Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: name, Message: fmt.Sprintf("%s must be an integer from %d to %d", name, min, max)}
	}
	return n, nil
}
