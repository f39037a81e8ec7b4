package publish

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Draft is what a person composes: the words in each language, a version
// per account, and when.
type Draft struct {
	Kind        Kind              `json:"kind"`
	Title       string            `json:"title"`
	CampaignID  int64             `json:"campaign_id,omitempty"`
	Texts       map[string]string `json:"texts"`
	Versions    []VersionIn       `json:"versions"`
	ScheduledAt time.Time         `json:"scheduled_at,omitzero"` // zero: as soon as approved
	Recur       string            `json:"recur,omitempty"`
	RecurUntil  time.Time         `json:"recur_until,omitzero"`
	Public      bool              `json:"public"`
	// Stations are the police stations (unit ids) whose locality groups
	// receive it; Place and RadiusKm add the stations near a place.
	Stations []int64 `json:"stations,omitempty"`
	Place    string  `json:"place,omitempty"`
	RadiusKm float64 `json:"radius_km,omitempty"`
}

// VersionIn is one account's version as composed. An empty Text takes the
// publication's words in Lang.
type VersionIn struct {
	ChannelID int64  `json:"channel_id"`
	Lang      string `json:"lang"`
	Text      string `json:"text,omitempty"`
	WithMedia bool   `json:"with_media,omitempty"`
}

// clean normalises d and refuses what no publication may hold. It does
// not ask the platforms: a draft may be saved while its versions break a
// platform's rules (Problems lists them); Submit refuses that.
func (s *Service) clean(ctx context.Context, d *Draft) error {
	if d.Kind == "" {
		d.Kind = KindPost
	}
	if !slices.Contains(Kinds, d.Kind) {
		return invalid("kind", "kind %q: want post, advisory or emergency", d.Kind)
	}
	d.Title = strings.TrimSpace(textnorm.Clean(d.Title))
	if d.Title == "" || len(d.Title) > MaxTitle {
		return invalid("title", "a title of 1–%d bytes is needed (staff see it in lists and the calendar)", MaxTitle)
	}
	texts := map[string]string{}
	for lang, t := range d.Texts {
		if !slices.Contains(Langs, lang) {
			return invalid("texts", "language %q: want en, kn or hi", lang)
		}
		t = strings.TrimSpace(textnorm.Clean(t))
		if len(t) > MaxText {
			return invalid("texts", "the %s text is %d bytes; at most %d", lang, len(t), MaxText)
		}
		if t != "" {
			texts[lang] = t
		}
	}
	if len(texts) == 0 {
		return invalid("texts", "write the post in at least one of English, Kannada or Hindi")
	}
	d.Texts = texts
	if len(d.Versions) > MaxVersions {
		return invalid("versions", "%d versions; at most %d", len(d.Versions), MaxVersions)
	}
	seen := map[string]bool{}
	for i := range d.Versions {
		v := &d.Versions[i]
		if v.Lang == "" {
			v.Lang = "en"
		}
		if !slices.Contains(Langs, v.Lang) {
			return invalid("versions", "versions[%d]: language %q: want en, kn or hi", i, v.Lang)
		}
		v.Text = strings.TrimSpace(textnorm.Clean(v.Text))
		if v.Text == "" {
			v.Text = texts[v.Lang]
		}
		if v.Text == "" {
			return invalid("versions", "versions[%d]: no %s text to post: write it, or the publication's %s words", i, v.Lang, v.Lang)
		}
		if len(v.Text) > MaxText {
			return invalid("versions", "versions[%d]: %d bytes; at most %d", i, len(v.Text), MaxText)
		}
		k := fmt.Sprintf("%d/%s", v.ChannelID, v.Lang)
		if seen[k] {
			return invalid("versions", "versions[%d]: channel %d in %s is listed twice", i, v.ChannelID, v.Lang)
		}
		seen[k] = true
		if _, err := s.channel(ctx, s.db.Read, v.ChannelID); err != nil {
			return invalid("versions", "versions[%d]: %v", i, err)
		}
	}
	if !slices.Contains(Recurrences, d.Recur) {
		return invalid("recur", "recur %q: want daily, weekly or monthly", d.Recur)
	}
	if d.Recur != "" && d.ScheduledAt.IsZero() {
		return invalid("scheduled_at", "a recurring post needs its first time")
	}
	if !d.RecurUntil.IsZero() && (d.Recur == "" || d.RecurUntil.Before(d.ScheduledAt)) {
		return invalid("recur_until", "recur_until needs a recurrence and must follow the first time")
	}
	if !d.ScheduledAt.IsZero() {
		now := s.now()
		if d.ScheduledAt.After(now.Add(MaxScheduleAhead)) {
			return invalid("scheduled_at", "%s is more than a year ahead", d.ScheduledAt.Format(time.RFC3339))
		}
		d.ScheduledAt = d.ScheduledAt.Truncate(time.Second)
	}
	if d.Place != "" {
		near, err := s.StationsNear(ctx, d.Place, d.RadiusKm)
		if err != nil {
			return err
		}
		d.Stations = append(d.Stations, near...)
		d.Place, d.RadiusKm = "", 0
	}
	slices.Sort(d.Stations)
	d.Stations = slices.Compact(d.Stations)
	if len(d.Stations) > 500 {
		return invalid("stations", "%d stations; at most 500", len(d.Stations))
	}
	for _, u := range d.Stations {
		var kind string
		if err := s.db.Read.QueryRowContext(ctx, `SELECT kind FROM units WHERE id = $1`, u).Scan(&kind); err != nil || kind != "station" {
			return invalid("stations", "unit %d is not a police station", u)
		}
	}
	if d.CampaignID != 0 {
		var one int
		if err := s.db.Read.QueryRowContext(ctx, `SELECT 1 FROM campaigns WHERE id = $1`, d.CampaignID).Scan(&one); err != nil {
			return invalid("campaign_id", "campaign %d does not exist", d.CampaignID)
		}
	}
	return nil
}

// chanInfo is what publishing needs of an account.
type chanInfo struct {
	connector.Channel
	Status string
}

type queryRower interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Service) channel(ctx context.Context, q queryRower, id int64) (chanInfo, error) {
	var c chanInfo
	var cfg string
	err := q.QueryRowContext(ctx, `SELECT id, platform, name, config, status FROM channels WHERE id = $1`, id).
		Scan(&c.ID, &c.Platform, &c.Name, &cfg, &c.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("channel %d does not exist", id)
	}
	if err != nil {
		return c, err
	}
	c.Config = map[string]string{}
	json.Unmarshal([]byte(cfg), &c.Config)
	return c, nil
}

// Create saves a new draft; p is its author.
func (s *Service) Create(ctx context.Context, p *auth.Principal, d Draft) (Publication, error) {
	if err := s.clean(ctx, &d); err != nil {
		return Publication{}, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := store.Millis(s.now())
		err := tx.QueryRowContext(ctx, `INSERT INTO publications (kind, title, campaign_id, state, scheduled_at, recur, recur_until, public, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			string(d.Kind), d.Title, nullID(d.CampaignID), nullTime(d.ScheduledAt), d.Recur, nullTime(d.RecurUntil), store.Bool(d.Public), p.UserID, now).Scan(&id)
		if err != nil {
			return err
		}
		if err := writeBody(ctx, tx, id, d); err != nil {
			return err
		}
		return s.event(ctx, tx, p, id, "created", 0, "", map[string]any{"kind": d.Kind, "versions": len(d.Versions)})
	})
	if err != nil {
		return Publication{}, fmt.Errorf("publish: unable to create: %w", err)
	}
	return s.Get(ctx, id)
}

// Update replaces a draft's words, versions and schedule. A publication
// in review goes back to draft: approvals given to other words never
// count. version is the Version the editor read (0: do not check).
func (s *Service) Update(ctx context.Context, p *auth.Principal, id int64, version int, d Draft) (Publication, error) {
	if err := s.clean(ctx, &d); err != nil {
		return Publication{}, err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.State != StateDraft && cur.State != Rejected && cur.State != InReview {
			return conflict("state", "publication %d is %s: only a draft, a rejected or an in-review publication can be edited", id, cur.State)
		}
		if version != 0 && version != cur.Version {
			return conflict("stale", "publication %d changed since you read it; reload it", id)
		}
		_, err = tx.ExecContext(ctx, `UPDATE publications SET kind = $2, title = $3, campaign_id = $4, state = 'draft', scheduled_at = $5,
			recur = $6, recur_until = $7, public = $8, updated_at = $9, version = version + 1 WHERE id = $1`,
			id, string(d.Kind), d.Title, nullID(d.CampaignID), nullTime(d.ScheduledAt), d.Recur, nullTime(d.RecurUntil), store.Bool(d.Public), store.Millis(s.now()))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM publication_texts WHERE publication_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM publication_versions WHERE publication_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM publication_targets WHERE publication_id = $1`, id); err != nil {
			return err
		}
		if err := writeBody(ctx, tx, id, d); err != nil {
			return err
		}
		note := ""
		if cur.State == InReview {
			note = "back to draft: approvals of the earlier words do not count"
		}
		return s.event(ctx, tx, p, id, "edited", cur.Round, note, nil)
	})
	if err != nil {
		return Publication{}, wrap("edit", err)
	}
	return s.Get(ctx, id)
}

func writeBody(ctx context.Context, tx *sql.Tx, id int64, d Draft) error {
	for _, lang := range Langs {
		if t, ok := d.Texts[lang]; ok {
			if _, err := tx.ExecContext(ctx, `INSERT INTO publication_texts (publication_id, lang, text) VALUES ($1, $2, $3)`, id, lang, t); err != nil {
				return err
			}
		}
	}
	for _, u := range d.Stations {
		if _, err := tx.ExecContext(ctx, `INSERT INTO publication_targets (publication_id, unit_id) VALUES ($1, $2)`, id, u); err != nil {
			return err
		}
	}
	for _, v := range d.Versions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO publication_versions (publication_id, channel_id, lang, text, with_media) VALUES ($1, $2, $3, $4, $5)`,
			id, v.ChannelID, v.Lang, v.Text, store.Bool(v.WithMedia)); err != nil {
			return err
		}
	}
	return nil
}

// wrap keeps refusals as they are and names the action on other errors.
func wrap(action string, err error) error {
	if _, ok := AsError(err); ok || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("publish: unable to %s: %w", action, err)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.Millis(t)
}

// Check is what a platform says of one version as it is typed.
type Check struct {
	OK       bool   `json:"ok"`
	Platform string `json:"platform"`
	Message  string `json:"message,omitempty"` // the platform's rule that is broken
	Field    string `json:"field,omitempty"`   // text, media, or "" (the account's settings)
	Chars    int    `json:"chars"`             // characters as a person counts them
}

// CheckVersion asks the account's connector (connector.Validator, no
// network) whether it would take text with media images attached: the
// live limit the compose page shows as the author types.
func (s *Service) CheckVersion(ctx context.Context, channelID int64, text string, media int) (Check, error) {
	ch, err := s.channel(ctx, s.db.Read, channelID)
	if err != nil {
		return Check{}, invalid("channel_id", "%v", err)
	}
	text = strings.TrimSpace(textnorm.Clean(text))
	c := Check{Platform: ch.Platform, Chars: len([]rune(text))}
	c.Message, c.Field = s.validate(ch, text, media)
	c.OK = c.Message == ""
	return c, nil
}

// validate returns the platform's refusal of a message, "" if it takes it.
func (s *Service) validate(ch chanInfo, text string, media int) (msg, field string) {
	v, err := connector.NewValidator(ch.Channel)
	if errors.Is(err, connector.ErrNoValidator) {
		return ch.Platform + " has no posts of the force's own to publish", ""
	}
	if err != nil {
		return "the account's settings are not valid: " + err.Error(), ""
	}
	if ch.Status != "active" {
		return "the account is " + ch.Status + ", not active: an administrator must resume it", ""
	}
	urls := make([]string, media)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/media/check-%d.jpg", s.publicBase(), i)
	}
	if err := v.ValidatePublish(connector.Message{Text: text, Media: urls}); err != nil {
		var ce *connector.Error
		if errors.As(err, &ce) {
			return ce.Message, ce.Field
		}
		return err.Error(), ""
	}
	return "", ""
}

// publicBase is the base URL images are served from; platforms need an
// https one, so a desk without KAVAL_BASE_URL checks against a stand-in.
func (s *Service) publicBase() string {
	if s.base == "" {
		return "https://desk.invalid"
	}
	return s.base
}
