package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/store"
)

// Helpline is a number the desk points citizens to.
type Helpline struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	NameKn string `json:"name_kn"`
	NameHi string `json:"name_hi"`
	Number string `json:"number"`
}

// Helplines are the national and state helplines built into the desk.
var Helplines = []Helpline{
	{Key: "emergency", Name: "Emergency", NameKn: "ತುರ್ತು ಸಹಾಯವಾಣಿ", NameHi: "आपातकालीन", Number: "112"},
	{Key: "women", Name: "Women's helpline", NameKn: "ಮಹಿಳಾ ಸಹಾಯವಾಣಿ", NameHi: "महिला हेल्पलाइन", Number: "1091"},
	{Key: "children", Name: "Childline", NameKn: "ಮಕ್ಕಳ ಸಹಾಯವಾಣಿ", NameHi: "चाइल्डलाइन", Number: "1098"},
	{Key: "elders", Name: "Elders' helpline", NameKn: "ಹಿರಿಯ ನಾಗರಿಕರ ಸಹಾಯವಾಣಿ", NameHi: "वरिष्ठ नागरिक हेल्पलाइन", Number: "1090"},
	{Key: "cyber", Name: "Cyber crime helpline", NameKn: "ಸೈಬರ್ ಅಪರಾಧ ಸಹಾಯವಾಣಿ", NameHi: "साइबर अपराध हेल्पलाइन", Number: "1930"},
}

// HelplineFor returns a helpline by key.
func HelplineFor(key string) (Helpline, bool) {
	for _, h := range Helplines {
		if h.Key == key {
			return h, true
		}
	}
	return Helpline{}, false
}

// categoryHelpline is the helpline {helpline} names when the template does
// not choose one: the one for the case's category.
var categoryHelpline = map[string]string{
	"womens_safety": "women", "child_safety": "children", "missing_person": "children", "elderly": "elders",
	"cybercrime_fraud": "cyber", "emergency": "emergency",
}

// TemplateLangs are the languages a template can have a variant in.
var TemplateLangs = []string{"en", "kn", "hi"}

// TemplateVars are the variables a template may use.
// advisory_link is the pinned advisory of a crisis room in surge mode
// covering the case's station (SetAdvisoryLink), empty otherwise.
var TemplateVars = []string{"ref", "station", "station_phone", "helpline", "name", "action", "advisory_link"}

var varRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// Template is a canned reply with a variant per language.
type Template struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Purpose   string            `json:"purpose,omitempty"` // "station_action" marks the ones offered to tell a citizen what the station did
	Helpline  string            `json:"helpline,omitempty"`
	Bodies    map[string]string `json:"bodies"`
	UpdatedAt time.Time         `json:"updated_at"`
	Version   int               `json:"version"`
}

// MaxTemplateBody bounds one variant.
const MaxTemplateBody = 2000

func (t *Template) check() error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || len(t.Name) > 120 || !utf8.ValidString(t.Name) || strings.ContainsAny(t.Name, "\x00\r\n") {
		return Invalid("name", "must be 1–120 bytes of text on one line")
	}
	if t.Purpose != "" && t.Purpose != "station_action" && t.Purpose != "acknowledge" {
		return Invalid("purpose", "must be empty, acknowledge or station_action")
	}
	if _, ok := HelplineFor(t.Helpline); t.Helpline != "" && !ok {
		return Invalid("helpline", "unknown helpline %q (want emergency, women, children, elders or cyber)", t.Helpline)
	}
	if len(t.Bodies) == 0 {
		return Invalid("bodies", "needs at least one language variant")
	}
	for lang, body := range t.Bodies {
		if !slices.Contains(TemplateLangs, lang) {
			return Invalid("bodies", "unknown language %q (want en, kn or hi)", lang)
		}
		body = strings.TrimSpace(body)
		if body == "" || len(body) > MaxTemplateBody || !utf8.ValidString(body) || strings.ContainsRune(body, 0) {
			return Invalid("bodies", "the %s variant must be 1–%d bytes of valid text", lang, MaxTemplateBody)
		}
		for _, m := range varRE.FindAllStringSubmatch(body, -1) {
			if !slices.Contains(TemplateVars, m[1]) {
				return Invalid("bodies", "the %s variant uses {%s}; the variables are {%s}", lang, m[1], strings.Join(TemplateVars, "}, {"))
			}
		}
		t.Bodies[lang] = body
	}
	return nil
}

func scanTemplate(r interface{ Scan(...any) error }) (Template, error) {
	var t Template
	var bodies string
	var at int64
	if err := r.Scan(&t.ID, &t.Name, &t.Purpose, &t.Helpline, &bodies, &at, &t.Version); err != nil {
		return t, err
	}
	t.UpdatedAt = store.Time(at)
	err := json.Unmarshal([]byte(bodies), &t.Bodies)
	return t, err
}

const templateCols = "id, name, purpose, helpline, bodies, updated_at, version FROM reply_templates"

// Templates lists the templates by name.
func (d *Desk) Templates(ctx context.Context) ([]Template, error) {
	rows, err := d.db.Read.QueryContext(ctx, "SELECT "+templateCols+" ORDER BY name LIMIT 1000")
	if err != nil {
		return nil, fmt.Errorf("desk: unable to list templates: %w", err)
	}
	defer rows.Close()
	out := []Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// GetTemplate returns one template.
func (d *Desk) GetTemplate(ctx context.Context, id int64) (Template, error) {
	t, err := scanTemplate(d.db.Read.QueryRowContext(ctx, "SELECT "+templateCols+" WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	return t, err
}

// SaveTemplate creates a template (ID 0) or replaces one; with Version
// set, a template changed since is refused (ErrConflict).
func (d *Desk) SaveTemplate(ctx context.Context, t Template, actor int64) (Template, error) {
	if err := t.check(); err != nil {
		return Template{}, err
	}
	bodies, err := json.Marshal(t.Bodies)
	if err != nil {
		return Template{}, err
	}
	now := store.Millis(d.opt.Now())
	err = d.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM reply_templates WHERE name = $1 AND id <> $2", t.Name, t.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return Invalid("name", "another template is called %q", t.Name)
		}
		if t.ID == 0 {
			return tx.QueryRowContext(ctx, `INSERT INTO reply_templates (name, purpose, helpline, bodies, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, t.Name, t.Purpose, t.Helpline, string(bodies), nullActor(actor), now).Scan(&t.ID)
		}
		q := "UPDATE reply_templates SET name = $1, purpose = $2, helpline = $3, bodies = $4, updated_at = $5, version = version + 1 WHERE id = $6"
		args := []any{t.Name, t.Purpose, t.Helpline, string(bodies), now, t.ID}
		if t.Version != 0 {
			q += " AND version = $7"
			args = append(args, t.Version)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			if _, err := d.GetTemplate(ctx, t.ID); err != nil {
				return err
			}
			return ErrConflict
		}
		return nil
	})
	if err != nil {
		return Template{}, d.wrap("save template", err)
	}
	return d.GetTemplate(ctx, t.ID)
}

// DeleteTemplate removes a template.
func (d *Desk) DeleteTemplate(ctx context.Context, id int64) error {
	res, err := d.db.Write.ExecContext(ctx, "DELETE FROM reply_templates WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("desk: unable to delete template: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Rendered is a template filled in for one case: the draft of a reply.
type Rendered struct {
	TemplateID int64    `json:"template_id"`
	Lang       string   `json:"lang"`
	Text       string   `json:"text"`
	Missing    []string `json:"missing,omitempty"` // variables the case has no value for (left empty: check the draft)
}

// ReplyLang picks the template language for a case's language: Kannada
// (native or romanised) gets Kannada, Hindi gets Hindi, the rest English.
func ReplyLang(caseLang string) string {
	switch {
	case strings.HasPrefix(caseLang, "kn"):
		return "kn"
	case strings.HasPrefix(caseLang, "hi"):
		return "hi"
	}
	return "en"
}

// RenderTemplate fills a template for a case in lang ("" = the case's
// language); a missing variant falls back to English, then to any.
//
// showName says whether the viewer of the draft may see the citizen's
// name (package privacy decides: a private conversation's author is
// personal data). When it may not (or showName is nil), {name} stays in
// the draft as it is, and FillReply puts the name in when the reply is
// queued: the citizen is greeted by name, the agent never sees it.
func (d *Desk) RenderTemplate(ctx context.Context, tplID, caseID int64, sc Scope, lang string, showName func(Case) bool) (Rendered, error) {
	if lang != "" && !slices.Contains(TemplateLangs, lang) {
		return Rendered{}, Invalid("lang", "unknown language %q (want en, kn or hi)", lang)
	}
	t, err := d.GetTemplate(ctx, tplID)
	if err != nil {
		return Rendered{}, err
	}
	c, err := d.GetCase(ctx, caseID, sc)
	if err != nil {
		return Rendered{}, err
	}
	if lang == "" {
		lang = ReplyLang(c.Lang)
	}
	body, ok := t.Bodies[lang]
	if !ok {
		for _, l := range TemplateLangs {
			if body, ok = t.Bodies[l]; ok {
				lang = l
				break
			}
		}
	}
	vars, err := d.templateVars(ctx, c, t, lang)
	if err != nil {
		return Rendered{}, err
	}
	if showName == nil || !showName(c) {
		vars["name"] = "{name}"
	}
	r := Rendered{TemplateID: t.ID, Lang: lang}
	r.Text = varRE.ReplaceAllStringFunc(body, func(m string) string {
		k := m[1 : len(m)-1]
		v := vars[k]
		if v == "" && !slices.Contains(r.Missing, k) {
			r.Missing = append(r.Missing, k)
		}
		return v
	})
	r.Text = tidy(r.Text)
	return r, nil
}

// templateVars are the values of a case's variables in lang.
func (d *Desk) templateVars(ctx context.Context, c Case, t Template, lang string) (map[string]string, error) {
	v := map[string]string{"ref": c.Ref, "name": AuthorCalled(c)}
	station := "" // the English name: what a surge room's stations hold
	if c.UnitID != 0 {
		u, err := d.units.Get(ctx, c.UnitID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		v["station"], v["station_phone"], station = u.Name, u.Phone, u.Name
		if lang == "kn" && u.NameKn != "" {
			v["station"] = u.NameKn
		}
	}
	v["advisory_link"] = d.advisoryLink(station)
	key := t.Helpline
	if key == "" {
		key = categoryHelpline[c.Category]
	}
	if key == "" {
		key = "emergency"
	}
	if h, ok := HelplineFor(key); ok {
		name := map[string]string{"en": h.Name, "kn": h.NameKn, "hi": h.NameHi}[lang]
		v["helpline"] = name + " " + h.Number
	}
	if a, err := d.lastStationAction(ctx, c.ID); err != nil {
		return nil, err
	} else if a != nil {
		v["action"] = a.Describe(lang)
	}
	return v, nil
}

// tidy closes the gaps an empty variable leaves: runs of spaces within a
// line, spaces before punctuation, and space at the ends.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		for _, p := range []string{" ,", " .", " ;", " )"} {
			l = strings.ReplaceAll(l, p, p[1:])
		}
		lines[i] = l
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
