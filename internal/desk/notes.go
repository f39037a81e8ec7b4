package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/store"
)

// mentionRE finds @username in a note (usernames are ASCII: see
// auth.NewUser); an e-mail address's @ does not count.
var mentionRE = regexp.MustCompile(`(^|[^\w.@])@([A-Za-z0-9][A-Za-z0-9._-]{0,63})`)

// MaxMentions bounds the people one note can notify.
const MaxMentions = 20

// mentioned returns the distinct usernames a note names, lower-cased.
func mentioned(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		u := strings.ToLower(strings.TrimRight(m[2], "."))
		if !seen[u] && len(out) < MaxMentions {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// Note adds an internal note to the timeline (never sent to the citizen)
// and puts it on the mentions list of each active user it names with
// @username. It returns the event with "mentions" (user ids) in its body.
func (d *Desk) Note(ctx context.Context, id int64, sc Scope, actor int64, text string) (Event, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > MaxComment || !utf8.ValidString(text) {
		return Event{}, Invalid("text", "must be 1–%d bytes of valid text", MaxComment)
	}
	now := d.opt.Now().UTC()
	ev := Event{At: now, ActorID: actor, Kind: "comment", Body: map[string]any{"text": text}}
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := d.getCase(ctx, tx, "c.id = $1", id, sc); err != nil {
			return err
		}
		var users []int64
		for _, name := range mentioned(text) {
			var uid int64
			err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE lower(username) = $1 AND disabled = 0", name).Scan(&uid)
			if err == sql.ErrNoRows {
				continue // not a user: plain text
			}
			if err != nil {
				return err
			}
			if uid != actor {
				users = append(users, uid)
			}
		}
		if len(users) > 0 {
			ev.Body["mentions"] = users
		}
		body, err := json.Marshal(ev.Body)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "INSERT INTO case_events (case_id, at, actor_id, kind, body) VALUES ($1, $2, $3, $4, $5) RETURNING id",
			id, store.Millis(now), nullActor(actor), ev.Kind, string(body)).Scan(&ev.ID); err != nil {
			return fmt.Errorf("desk: unable to record note: %w", err)
		}
		for _, u := range users {
			if _, err := tx.ExecContext(ctx, "INSERT INTO mentions (user_id, case_id, event_id, author_id, created_at) VALUES ($1, $2, $3, $4, $5)",
				u, id, ev.ID, nullActor(actor), store.Millis(now)); err != nil {
				return fmt.Errorf("desk: unable to record mention: %w", err)
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE cases SET updated_at = $1 WHERE id = $2", store.Millis(now), id)
		return err
	})
	if err != nil {
		return Event{}, d.wrap("add note", err)
	}
	return ev, nil
}

func nullActor(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// Mention is one note that named a person.
type Mention struct {
	ID         int64      `json:"id"`
	CaseID     int64      `json:"case_id"`
	Ref        string     `json:"ref"`
	Subject    string     `json:"subject"`
	EventID    int64      `json:"event_id"`
	AuthorID   int64      `json:"author_id,omitempty"`
	AuthorName string     `json:"author_name"`
	Text       string     `json:"text"`
	At         time.Time  `json:"at"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
}

// Mentions lists the notes that named user, newest first, on cases the
// scope may see (a station officer named on another station's case does
// not get to read it).
func (d *Desk) Mentions(ctx context.Context, user int64, sc Scope, unreadOnly bool, limit int) ([]Mention, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	w := &where{}
	w.add("m.user_id = ?", user)
	if unreadOnly {
		w.add("m.read_at IS NULL")
	}
	scoped(w, sc, "c.unit_id")
	rows, err := d.db.Read.QueryContext(ctx, `SELECT m.id, m.case_id, c.ref, c.subject, m.event_id, COALESCE(m.author_id, 0),
		COALESCE(NULLIF(u.name, ''), u.username, ''), e.body, m.created_at, m.read_at
		FROM mentions m JOIN cases c ON c.id = m.case_id JOIN case_events e ON e.id = m.event_id
		LEFT JOIN users u ON u.id = m.author_id`+w.sql()+` ORDER BY m.id DESC LIMIT `+fmt.Sprint(limit), w.args...)
	if err != nil {
		return nil, fmt.Errorf("desk: unable to list mentions: %w", err)
	}
	defer rows.Close()
	out := []Mention{}
	for rows.Next() {
		var m Mention
		var body string
		var at int64
		var read sql.NullInt64
		if err := rows.Scan(&m.ID, &m.CaseID, &m.Ref, &m.Subject, &m.EventID, &m.AuthorID, &m.AuthorName, &body, &at, &read); err != nil {
			return nil, err
		}
		var b map[string]any
		json.Unmarshal([]byte(body), &b)
		m.Text, _ = b["text"].(string)
		m.At, m.ReadAt = store.Time(at), tp(read)
		out = append(out, m)
	}
	return out, rows.Err()
}

// UnreadMentions counts a person's unread mentions (the navigation badge).
func (d *Desk) UnreadMentions(ctx context.Context, user int64) (int, error) {
	var n int
	err := d.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM mentions WHERE user_id = $1 AND read_at IS NULL", user).Scan(&n)
	return n, err
}

// ReadMentions marks a person's mentions on one case (0: all) as read.
// Every case page view asks for its case: when nothing there is unread (as
// nearly always) it is a read, not a write queued behind intake's writes
// (one writer at a time on SQLite).
func (d *Desk) ReadMentions(ctx context.Context, user, caseID int64) error {
	q, args := "UPDATE mentions SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL", []any{store.Millis(d.opt.Now()), user}
	if caseID != 0 {
		var unread bool
		if err := d.db.Read.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM mentions WHERE user_id = $1 AND case_id = $2 AND read_at IS NULL)",
			user, caseID).Scan(&unread); err != nil {
			return fmt.Errorf("desk: unable to read mentions: %w", err)
		}
		if !unread {
			return nil
		}
		q += " AND case_id = $3"
		args = append(args, caseID)
	}
	_, err := d.db.Write.ExecContext(ctx, q, args...)
	return err
}
