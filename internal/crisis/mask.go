package crisis

import (
	"encoding/json"

	"github.com/kaval-desk/kaval/internal/privacy"
)

// Mask redacts citizens' personal data in c for viewer v (privacy's
// rules: masked by default; a private conversation's author hidden; a
// deleted post's words withheld).
func (c *Contents) Mask(v privacy.Viewer) {
	for i := range c.Posts {
		p := &c.Posts[i]
		if p.Deleted && !v.PII {
			p.Text = privacy.DeletedText
		}
		var names []string
		if privacy.Private(p.Platform, p.Private) {
			names = []string{p.Author}
			if !v.PII {
				p.Author = privacy.Hidden
			}
		}
		p.Text = v.Text(p.Text, names...)
		p.Author = v.Text(p.Author)
	}
	for i := range c.Clusters {
		c.Clusters[i].Text = v.Text(c.Clusters[i].Text)
	}
	v.Cases(c.Cases)
}

// Mask redacts personal data in the report's free text for viewer v: the
// summary, task titles, cluster texts and the timeline's details (the
// default for every reader; pii:view holders may ask for it unmasked,
// audited).
func (r *Report) Mask(v privacy.Viewer) {
	r.Room.Summary = v.Text(r.Room.Summary)
	r.Room.Area = v.Text(r.Room.Area)
	for i := range r.Tasks {
		r.Tasks[i].Title = v.Text(r.Tasks[i].Title)
	}
	for i := range r.Clusters {
		r.Clusters[i].Text = v.Text(r.Clusters[i].Text)
	}
	for i := range r.Timeline {
		r.Timeline[i].Detail = maskMap(v, r.Timeline[i].Detail)
	}
	for i := range r.Rebuttals {
		r.Rebuttals[i].Note = v.Text(r.Rebuttals[i].Note)
	}
}

// MaskEvents redacts the timeline's details for viewer v.
func MaskEvents(v privacy.Viewer, ev []Event) {
	for i := range ev {
		ev[i].Detail = maskMap(v, ev[i].Detail)
	}
}

func maskMap(v privacy.Viewer, m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		return map[string]any{}
	}
	out := map[string]any{}
	_ = json.Unmarshal(v.JSON(b), &out)
	return out
}
