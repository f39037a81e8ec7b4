package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

const pubCols = `id, kind, title, campaign_id, state, levels, round, scheduled_at, recur, recur_until, after_sign_due,
	after_signed_by, after_signed_at, public, released_at, created_by, created_at, updated_at, version`

func scanPub(r interface{ Scan(...any) error }) (Publication, error) {
	var p Publication
	var kind, state string
	var camp, sched, until, signedBy, signedAt, released sql.NullInt64
	var due, public int
	var created, updated int64
	err := r.Scan(&p.ID, &kind, &p.Title, &camp, &state, &p.Levels, &p.Round, &sched, &p.Recur, &until, &due,
		&signedBy, &signedAt, &public, &released, &p.CreatedBy, &created, &updated, &p.Version)
	if err != nil {
		return p, err
	}
	p.Kind, p.State, p.CampaignID = Kind(kind), State(state), camp.Int64
	p.ScheduledAt, p.RecurUntil = store.NullTime(sched), store.NullTime(until)
	p.AfterSignDue, p.AfterSignedBy, p.AfterSignedAt = due != 0, signedBy.Int64, store.NullTime(signedAt)
	p.Public, p.ReleasedAt = public != 0, store.NullTime(released)
	p.CreatedAt, p.UpdatedAt = store.Time(created), store.Time(updated)
	return p, nil
}

// lock reads a publication inside a write transaction, holding its row on
// PostgreSQL (SQLite's one writer already serialises transactions).
func (s *Service) lock(ctx context.Context, tx *sql.Tx, id int64) (Publication, error) {
	q := `SELECT ` + pubCols + ` FROM publications WHERE id = $1`
	if s.db.Dialect == store.Postgres {
		q += ` FOR UPDATE`
	}
	p, err := scanPub(tx.QueryRowContext(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("publication %d: %w", id, ErrNotFound)
	}
	return p, err
}

// Get returns a publication with its words, versions (and what the outbox
// did with each), images and the current round's approvals.
func (s *Service) Get(ctx context.Context, id int64) (Publication, error) {
	p, err := scanPub(s.db.Read.QueryRowContext(ctx, `SELECT `+pubCols+` FROM publications WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("publication %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("publish: unable to read %d: %w", id, err)
	}
	if err := s.fill(ctx, &p); err != nil {
		return p, fmt.Errorf("publish: unable to read %d: %w", id, err)
	}
	return p, nil
}

func (s *Service) fill(ctx context.Context, p *Publication) error {
	ps := []Publication{*p}
	if err := s.fillAll(ctx, ps); err != nil {
		return err
	}
	*p = ps[0]
	return nil
}

// fillAll reads the words, versions (with what the outbox did), approvals
// of the current round, target stations and images of every publication
// in ps with one query per table, whatever their number: the calendar
// lists a month of them.
func (s *Service) fillAll(ctx context.Context, ps []Publication) error {
	if len(ps) == 0 {
		return nil
	}
	q := s.db.Read
	idx := make(map[int64]int, len(ps))
	ph := make([]string, len(ps))
	args := make([]any, len(ps))
	for i := range ps {
		idx[ps[i].ID] = i
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), ps[i].ID
		ps[i].Texts = map[string]string{}
		ps[i].Versions, ps[i].Approvals, ps[i].Stations, ps[i].Media = nil, nil, nil, nil
	}
	in := "(" + strings.Join(ph, ", ") + ")"
	each := func(query string, scan func(rows *sql.Rows) error) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	err := each(`SELECT publication_id, lang, text FROM publication_texts WHERE publication_id IN `+in, func(rows *sql.Rows) error {
		var id int64
		var l, t string
		if err := rows.Scan(&id, &l, &t); err != nil {
			return err
		}
		ps[idx[id]].Texts[l] = t
		return nil
	})
	if err != nil {
		return err
	}
	where := map[int64][2]int{} // version id → publication index, version index
	err = each(`SELECT v.publication_id, v.id, v.channel_id, c.platform, c.name, v.lang, v.text, v.with_media
		FROM publication_versions v JOIN channels c ON c.id = v.channel_id WHERE v.publication_id IN `+in+` ORDER BY v.id`, func(rows *sql.Rows) error {
		var pid int64
		var v Version
		var wm int
		if err := rows.Scan(&pid, &v.ID, &v.ChannelID, &v.Platform, &v.Channel, &v.Lang, &v.Text, &wm); err != nil {
			return err
		}
		v.WithMedia = wm != 0
		i := idx[pid]
		where[v.ID] = [2]int{i, len(ps[i].Versions)}
		ps[i].Versions = append(ps[i].Versions, v)
		return nil
	})
	if err != nil {
		return err
	}
	err = each(`SELECT s.version_id, s.occurrence, s.due_at, s.outbox_id, COALESCE(o.state, ''), COALESCE(o.url, ''),
		COALESCE(o.external_id, ''), COALESCE(o.last_error, '')
		FROM publication_sends s LEFT JOIN outbox o ON o.id = s.outbox_id WHERE s.publication_id IN `+in+` ORDER BY s.occurrence, s.version_id`, func(rows *sql.Rows) error {
		var vid, due int64
		var sd Send
		if err := rows.Scan(&vid, &sd.Occurrence, &due, &sd.OutboxID, &sd.State, &sd.URL, &sd.ExternalID, &sd.Error); err != nil {
			return err
		}
		sd.DueAt = store.Time(due)
		if w, ok := where[vid]; ok {
			ps[w[0]].Versions[w[1]].Sends = append(ps[w[0]].Versions[w[1]].Sends, sd)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = each(`SELECT publication_id, round, level, user_id, at FROM publication_approvals WHERE publication_id IN `+in+` ORDER BY level`, func(rows *sql.Rows) error {
		var pid, at int64
		var round int
		var a Approval
		if err := rows.Scan(&pid, &round, &a.Level, &a.UserID, &at); err != nil {
			return err
		}
		if i := idx[pid]; ps[i].Round == round {
			a.At = store.Time(at)
			ps[i].Approvals = append(ps[i].Approvals, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = each(`SELECT publication_id, unit_id FROM publication_targets WHERE publication_id IN `+in+` ORDER BY unit_id`, func(rows *sql.Rows) error {
		var pid, u int64
		if err := rows.Scan(&pid, &u); err != nil {
			return err
		}
		ps[idx[pid]].Stations = append(ps[idx[pid]].Stations, u)
		return nil
	})
	if err != nil {
		return err
	}
	return each(`SELECT publication_id, id, position, sha256, content_type, size, width, height, alt_en, alt_kn, alt_hi, created_at
		FROM publication_media WHERE publication_id IN `+in+` ORDER BY position`, func(rows *sql.Rows) error {
		var pid, at int64
		var m Media
		var en, kn, hi string
		if err := rows.Scan(&pid, &m.ID, &m.Position, &m.SHA256, &m.ContentType, &m.Size, &m.Width, &m.Height, &en, &kn, &hi, &at); err != nil {
			return err
		}
		m.Alt = map[string]string{}
		for l, a := range map[string]string{"en": en, "kn": kn, "hi": hi} {
			if a != "" {
				m.Alt[l] = a
			}
		}
		m.CreatedAt = store.Time(at)
		ps[idx[pid]].Media = append(ps[idx[pid]].Media, m)
		return nil
	})
}

// History returns a publication's events, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, at, user_id, action, round, note FROM publication_events WHERE publication_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("publish: unable to read history: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var uid sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &uid, &e.Action, &e.Round, &e.Note); err != nil {
			return nil, err
		}
		e.At, e.UserID = store.Time(at), uid.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}

// Filter selects publications for List; zero fields match everything.
type Filter struct {
	States     []State
	Kind       Kind
	CampaignID int64
	// From and To select by when a publication goes out (its schedule, or
	// when it was released, or for a draft without one its last change):
	// the calendar's window. Recurring publications are included when
	// their series overlaps the window.
	From, To     time.Time
	AfterSignDue bool // only emergency advisories still owed a signature
	BeforeID     int64
	Limit        int // default 50, at most 500
}

// When is the moment a publication sits at on the calendar.
func (p Publication) When() time.Time {
	switch {
	case !p.ScheduledAt.IsZero():
		return p.ScheduledAt
	case !p.ReleasedAt.IsZero():
		return p.ReleasedAt
	}
	return p.UpdatedAt
}

const whenExpr = `COALESCE(scheduled_at, released_at, updated_at)`

// List returns publications matching f, newest first (by id); with a
// window (From/To), in time order. Versions and texts are filled.
func (s *Service) List(ctx context.Context, f Filter) ([]Publication, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, st := range f.States {
			ph[i] = arg(string(st))
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(string(f.Kind)))
	}
	if f.CampaignID != 0 {
		where = append(where, "campaign_id = "+arg(f.CampaignID))
	}
	if f.AfterSignDue {
		where = append(where, "after_sign_due = 1")
	}
	if !f.From.IsZero() {
		// A series that started before the window and runs on shows too.
		where = append(where, "("+whenExpr+" >= "+arg(store.Millis(f.From))+" OR (recur <> '' AND (recur_until IS NULL OR recur_until >= "+arg(store.Millis(f.From))+")))")
	}
	if !f.To.IsZero() {
		where = append(where, whenExpr+" < "+arg(store.Millis(f.To)))
	}
	if f.BeforeID != 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = min(max(f.Limit, 50), 500)
	}
	q := `SELECT ` + pubCols + ` FROM publications`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		q += " ORDER BY " + whenExpr + ", id"
	} else {
		q += " ORDER BY id DESC"
	}
	q += " LIMIT " + arg(f.Limit)
	rows, err := s.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("publish: unable to list: %w", err)
	}
	var out []Publication
	for rows.Next() {
		p, err := scanPub(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("publish: unable to list: %w", err)
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("publish: unable to list: %w", err)
	}
	if err := s.fillAll(ctx, out); err != nil {
		return nil, fmt.Errorf("publish: unable to list: %w", err)
	}
	return out, nil
}

// authors are everyone who wrote or changed the publication's words: none
// of them may approve it.
func authors(ctx context.Context, tx *sql.Tx, id int64) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT user_id FROM publication_events WHERE publication_id = $1 AND action IN ('created', 'edited', 'media_added') AND user_id IS NOT NULL`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out[u] = true
	}
	return out, rows.Err()
}

// Account is a connected account a publication can go out on.
type Account struct {
	ID       int64  `json:"id"`
	Platform string `json:"platform"`
	Name     string `json:"name"`
	Active   bool   `json:"active"`
}

// Accounts lists the accounts whose platform publishes posts of the
// force's own under their settings (its connector's Validator says so: a
// refusal of the account itself, not of a text or an image, leaves it out).
func (s *Service) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id FROM channels ORDER BY platform, name, id`)
	if err != nil {
		return nil, fmt.Errorf("publish: unable to list accounts: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []Account
	for _, id := range ids {
		ch, err := s.channel(ctx, s.db.Read, id)
		if err != nil {
			return nil, err
		}
		active := ch.Status == "active"
		ch.Status = "active" // a paused account is listed, marked; its platform decides the rest
		if msg, field := s.validate(ch, "Kaval", 0); msg != "" && field == "" {
			continue
		}
		out = append(out, Account{ID: ch.ID, Platform: ch.Platform, Name: ch.Name, Active: active})
	}
	return out, nil
}

// UserNames maps user ids to the names shown in histories.
func (s *Service) UserNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, name, username FROM users`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name, user string
		if err := rows.Scan(&id, &name, &user); err != nil {
			return nil, err
		}
		if name == "" {
			name = user
		}
		out[id] = name
	}
	return out, rows.Err()
}

// Channels lists every connected account by platform and name (a station
// group picks its Telegram channel and WhatsApp number from them).
func (s *Service) Channels(ctx context.Context) ([]Account, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, platform, name, status FROM channels ORDER BY platform, name, id`)
	if err != nil {
		return nil, fmt.Errorf("publish: unable to list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		var st string
		if err := rows.Scan(&a.ID, &a.Platform, &a.Name, &st); err != nil {
			return nil, err
		}
		a.Active = st == "active"
		out = append(out, a)
	}
	return out, rows.Err()
}
