package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
)

// The OpenAPI 3.1 document is built from the route table, and schemas from
// the Go types named in each OpDoc, so it describes what the code does.

var (
	wildcardRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}`)
	// Component names allow only these characters (generic type names
	// like page[github.com/x.Case] would not pass).
	schemaNameRE = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
)

func (s *Server) openAPIDoc() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.openapi != nil {
		return s.openapi
	}
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, ri := range s.routes {
		if ri.Page {
			continue // pages are for browsers, not API clients
		}
		path := strings.TrimSuffix(ri.Pattern, "{$}")
		path = wildcardRE.ReplaceAllString(path, "{$1}")
		op := map[string]any{
			"summary":            ri.Doc.Summary,
			"operationId":        operationID(ri),
			"x-kaval-permission": string(ri.Perm),
			"responses":          map[string]any{},
		}
		if ri.Doc.Description != "" {
			op["description"] = ri.Doc.Description
		}
		if len(ri.Doc.Tags) > 0 {
			op["tags"] = ri.Doc.Tags
		}
		if ri.Perm == auth.PermPublic {
			op["security"] = []any{}
		}
		var params []any
		for _, m := range wildcardRE.FindAllStringSubmatch(ri.Pattern, -1) {
			typ := "string"
			for _, p := range ri.Doc.Params {
				if p.Name == m[1] && p.Type != "" {
					typ = p.Type
				}
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": typ}})
		}
		for _, p := range ri.Doc.Params {
			if p.In == "path" {
				continue
			}
			typ := p.Type
			if typ == "" {
				typ = "string"
			}
			param := map[string]any{"name": p.Name, "in": "query", "required": p.Required, "schema": map[string]any{"type": typ}}
			if p.Description != "" {
				param["description"] = p.Description
			}
			params = append(params, param)
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if ri.Doc.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(ri.Doc.Request))}}}
		}
		status := ri.Doc.Status
		if status == 0 {
			status = http.StatusOK
			if ri.Doc.Response == nil && ri.Doc.RawResponse == "" {
				status = http.StatusNoContent
			}
		}
		resp := map[string]any{"description": http.StatusText(status)}
		switch {
		case ri.Doc.RawResponse != "":
			resp["content"] = map[string]any{ri.Doc.RawResponse: map[string]any{"schema": map[string]any{"type": "string"}}}
		case ri.Doc.Response != nil:
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(ri.Doc.Response))}}
		}
		op["responses"] = map[string]any{
			itoa(status): resp,
			"default": map[string]any{"description": "Error", "content": map[string]any{
				"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(ErrorBody{}))}}},
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(ri.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Kaval API",
			"version":     s.cfg.Version,
			"description": "Social media desk. Authenticate with 'Authorization: Bearer kvl_…' (API clients) or the session cookie (the web UI). x-kaval-permission names the permission each operation needs.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": s.cfg.CookieName},
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("web: unable to encode OpenAPI document: " + err.Error())
	}
	s.openapi = b
	return b
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func operationID(ri RouteInfo) string {
	var parts []string
	parts = append(parts, strings.ToLower(ri.Method))
	for _, seg := range strings.Split(strings.Trim(ri.Pattern, "/"), "/") {
		if seg == "api" || seg == "v1" || seg == "{$}" {
			continue
		}
		seg = strings.Trim(seg, "{}.")
		seg = strings.NewReplacer("-", "_", ".", "_").Replace(seg)
		parts = append(parts, seg)
	}
	return strings.Join(parts, "_")
}

// schemaGen derives JSON Schemas from Go types the way encoding/json
// encodes them. Named struct types go to components/schemas by package-
// qualified name; others are inlined.
type schemaGen struct{ defs map[string]any }

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.structSchema(t)
		}
		name := schemaNameRE.ReplaceAllString(strings.TrimPrefix(t.String(), "web."), "_")
		ref := map[string]any{"$ref": "#/components/schemas/" + name}
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = map[string]any{} // placeholder: breaks recursion
			g.defs[name] = g.structSchema(t)
		}
		return ref
	}
	return map[string]any{}
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = g.schema(f.Type)
			optional := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") || f.Type.Kind() == reflect.Pointer
			if !optional {
				required = append(required, name)
			}
		}
	}
	walk(t)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		slices.Sort(required)
		s["required"] = required
	}
	return s
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(s.openAPIDoc())
	return nil
}
