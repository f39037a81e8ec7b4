package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kaval-desk/kaval/internal/csvcell"
	"github.com/kaval-desk/kaval/internal/pdf"
)

// T translates a catalogue key (internal/ui/messages/report.*.json) with
// {0}… filled from args; the desk passes its catalogue in the reader's
// language, so the PDF speaks English or Kannada like the page.
type T func(key string, args ...any) string

// Group writes n with Indian digit grouping (1,23,456), as the desk does.
func Group(n int64) string {
	s := strconv.FormatInt(max(n, -n), 10)
	if len(s) > 3 {
		head, tail := s[:len(s)-3], s[len(s)-3:]
		var parts []string
		for len(head) > 2 {
			parts = append([]string{head[len(head)-2:]}, parts...)
			head = head[:len(head)-2]
		}
		if head != "" {
			parts = append([]string{head}, parts...)
		}
		s = strings.Join(parts, ",") + "," + tail
	}
	if n < 0 {
		return "-" + s
	}
	return s
}

// Percent writes a share 0..1 as a whole percentage.
func Percent(x float64) string { return strconv.Itoa(int(x*100+0.5)) + "%" }

// UnitName is the unit's name in lang (the Kannada name when it has one).
func (u Unit) In(lang string, t T) string {
	if u.ID == 0 {
		return t("report.unit.force")
	}
	if lang == "kn" && u.NameKn != "" {
		return u.NameKn
	}
	return u.Name
}

// Heading is the report's title line in lang: its kind, unit and period.
func (r Report) Heading(lang string, t T) string {
	return t("report.heading."+r.Kind, r.Unit.In(lang, t), r.PeriodText())
}

// PeriodText is the period as IST dates ("07 Dec 2026" or "30 Nov – 06 Dec 2026").
func (r Report) PeriodText() string {
	s, u := r.Since.In(IST), r.Until.In(IST).AddDate(0, 0, -1)
	if r.Kind == Daily {
		return s.Format("02 Jan 2006")
	}
	return s.Format("02 Jan") + " – " + u.Format("02 Jan 2006")
}

// Label is a value's name in the catalogue where the desk has one
// (categories, platforms, sentiments, languages, alert severities), else
// the value itself ("" reads as none).
func Label(t T, family, v string) string {
	if v == "" {
		return t("report.none")
	}
	prefix := map[string]string{"category": "cat.", "platform": "platform.", "sentiment": "sentiment.", "lang": "watch.lang.",
		"severity": "alerts.severity.", "state": "report.state."}[family]
	if prefix == "" {
		return v
	}
	if s := t(prefix + v); !strings.HasPrefix(s, "[[") {
		return s
	}
	return v
}

// PDF writes the report as a PDF in lang.
func PDF(r Report, lang string, t T) ([]byte, error) {
	d, err := pdf.New(r.Heading(lang, t), "Kaval · "+r.Heading(lang, t))
	if err != nil {
		return nil, err
	}
	d.Title(r.Heading(lang, t))
	note := t("report.built", r.BuiltAt.In(IST).Format("02 Jan 2006 15:04 IST"))
	if r.Redacted {
		note += " · " + t("report.redacted")
	} else {
		note += " · " + t("report.unredacted")
	}
	d.Note(note)
	count := func(cs []Count, family string) [][]string {
		rows := make([][]string, len(cs))
		for i, c := range cs {
			rows[i] = []string{Label(t, family, c.Value), Group(c.N)}
		}
		return rows
	}
	two := func(a, b string) []pdf.Column {
		return []pdf.Column{{Title: a, Width: 0.75}, {Title: b, Width: 0.25, Right: true}}
	}

	d.Heading(t("report.section.volumes"))
	d.Paragraph(t("report.volumes.summary", Group(r.Volumes.Posts), Group(r.Volumes.Previous), Group(r.Volumes.Negative), Group(r.Volumes.Emergency)))
	if len(r.Volumes.ByDay) > 1 {
		var rows [][]string
		for _, day := range r.Volumes.ByDay {
			rows = append(rows, []string{day.Day.In(IST).Format("Mon 02 Jan"), Group(day.Posts)})
		}
		d.Table(two(t("report.col.day"), t("report.col.posts")), rows)
	}
	d.Table(two(t("report.col.platform"), t("report.col.posts")), count(r.Volumes.ByPlatform, "platform"))
	d.Table(two(t("report.col.sentiment"), t("report.col.posts")), count(r.Volumes.BySentiment, "sentiment"))
	d.Table(two(t("report.col.lang"), t("report.col.posts")), count(r.Volumes.ByLang, "lang"))

	d.Heading(t("report.section.issues"))
	d.Table(two(t("report.col.category"), t("report.col.posts")), count(r.Issues.Categories, "category"))
	if len(r.Issues.Stations) > 0 {
		d.Table(two(t("report.col.station"), t("report.col.posts")), count(r.Issues.Stations, "station"))
	}
	d.Table(two(t("report.col.place"), t("report.col.posts")), count(r.Issues.Places, "place"))
	d.Table(two(t("report.col.hashtag"), t("report.col.posts")), count(r.Issues.Hashtags, "hashtag"))

	d.Heading(t("report.section.sla"))
	s := r.SLA
	d.Table(two(t("report.col.measure"), t("report.col.value")), [][]string{
		{t("report.sla.opened"), Group(s.Opened)},
		{t("report.sla.first_breached"), Group(s.FirstBreached)},
		{t("report.sla.resolve_breached"), Group(s.ResolveBreached)},
		{t("report.sla.breach_rate"), Percent(s.BreachRate)},
		{t("report.sla.responded"), Group(s.Responded)},
		{t("report.sla.mean_response"), strconv.FormatFloat(s.MeanResponse, 'f', 1, 64)},
		{t("report.sla.response_on_time"), Percent(s.ResponseOnTime)},
		{t("report.sla.resolved"), Group(s.Resolved)},
		{t("report.sla.mean_resolution"), strconv.FormatFloat(s.MeanResolution, 'f', 1, 64)},
		{t("report.sla.resolve_on_time"), Percent(s.ResolveOnTime)},
		{t("report.sla.overdue_now"), Group(s.OverdueNow)},
	})

	d.Heading(t("report.section.notable"))
	if len(r.Notable) == 0 {
		d.Paragraph(t("report.notable.none"))
	}
	for _, n := range r.Notable {
		meta := []string{n.At.In(IST).Format("02 Jan 15:04"), Label(t, "platform", n.Platform), Label(t, "station", n.Station),
			Label(t, "category", n.Category), t("report.notable.urgency", n.Urgency)}
		if n.Emergency {
			meta = append(meta, t("report.notable.emergency"))
		}
		if n.Ref != "" {
			meta = append(meta, n.Ref)
		}
		if n.Author != "" {
			meta = append(meta, n.Author)
		}
		d.Note(strings.Join(meta, " · "))
		d.Paragraph(n.Text)
	}

	d.Heading(t("report.section.incidents"))
	if len(r.Incidents) == 0 {
		d.Paragraph(t("report.incidents.none"))
	} else {
		var rows [][]string
		for _, i := range r.Incidents {
			rows = append(rows, []string{i.At.In(IST).Format("02 Jan 15:04"), t("report.source." + i.Source), Label(t, "severity", i.Severity),
				i.Subject, Label(t, "state", i.State)})
		}
		d.Table([]pdf.Column{{Title: t("report.col.when"), Width: 0.17}, {Title: t("report.col.source"), Width: 0.16},
			{Title: t("report.col.severity"), Width: 0.13}, {Title: t("report.col.subject"), Width: 0.39}, {Title: t("report.col.state"), Width: 0.15}}, rows)
	}
	return d.Bytes()
}

// CSV writes the report as rows of section, name, value, detail, for a
// spreadsheet. Every cell that a spreadsheet would read as a formula
// (citizen text, a hashtag, a place) starts with an apostrophe.
func CSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	row := func(cells ...string) {
		for i := range cells {
			cells[i] = csvcell.Safe(cells[i])
		}
		cw.Write(cells)
	}
	row("section", "name", "value", "detail")
	row("report", "kind", r.Kind, "")
	row("report", "unit", r.Unit.Name, strconv.FormatInt(r.Unit.ID, 10))
	row("report", "since", r.Since.In(IST).Format("2006-01-02T15:04:05-07:00"), "")
	row("report", "until", r.Until.In(IST).Format("2006-01-02T15:04:05-07:00"), "")
	row("report", "redacted", strconv.FormatBool(r.Redacted), "")
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	row("volumes", "posts", i(r.Volumes.Posts), "")
	row("volumes", "previous_period", i(r.Volumes.Previous), "")
	row("volumes", "negative", i(r.Volumes.Negative), "")
	row("volumes", "emergency", i(r.Volumes.Emergency), "")
	for _, d := range r.Volumes.ByDay {
		row("by_day", d.Day.In(IST).Format("2006-01-02"), i(d.Posts), "")
	}
	for _, set := range []struct {
		name string
		cs   []Count
	}{{"by_platform", r.Volumes.ByPlatform}, {"by_sentiment", r.Volumes.BySentiment}, {"by_lang", r.Volumes.ByLang},
		{"category", r.Issues.Categories}, {"station", r.Issues.Stations}, {"place", r.Issues.Places}, {"hashtag", r.Issues.Hashtags}} {
		for _, c := range set.cs {
			row(set.name, c.Value, i(c.N), "")
		}
	}
	s := r.SLA
	for _, kv := range [][2]string{{"opened", i(s.Opened)}, {"first_response_breached", i(s.FirstBreached)},
		{"resolve_breached", i(s.ResolveBreached)}, {"breach_rate", f(s.BreachRate)}, {"responded", i(s.Responded)},
		{"mean_response_minutes", f(s.MeanResponse)}, {"response_on_time", f(s.ResponseOnTime)}, {"resolved", i(s.Resolved)},
		{"mean_resolution_hours", f(s.MeanResolution)}, {"resolve_on_time", f(s.ResolveOnTime)}, {"overdue_now", i(s.OverdueNow)}} {
		row("sla", kv[0], kv[1], "")
	}
	for _, n := range r.Notable {
		meta := fmt.Sprintf("%s %s %s %s %s", n.At.In(IST).Format("2006-01-02T15:04"), n.Platform, n.Station, n.Category, n.Ref)
		if n.Author != "" {
			meta += " " + n.Author
		}
		row("notable", strings.TrimSpace(meta), strconv.Itoa(n.Urgency), n.Text)
	}
	for _, in := range r.Incidents {
		row("incident", in.At.In(IST).Format("2006-01-02T15:04")+" "+in.Severity+" "+in.State, in.Kind, in.Subject)
	}
	cw.Flush()
	return cw.Error()
}
