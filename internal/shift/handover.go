package shift

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Handover is the note one shift leaves the next: what is still burning
// (generated when the note is first opened, refreshed on request) and the
// outgoing shift's own words. Everyone on the next shift acknowledges it.
type Handover struct {
	ID        int64     `json:"id"`
	Shift     Shift     `json:"shift"` // the shift handing over
	Items     Items     `json:"items"`
	Note      string    `json:"note"`
	WrittenBy int64     `json:"written_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
	Acks      []Ack     `json:"acks"`
}

// Acked reports whether user acknowledged the note.
func (h *Handover) Acked(user int64) bool {
	for _, a := range h.Acks {
		if a.UserID == user {
			return true
		}
	}
	return false
}

// Ack is one person of the next shift acknowledging a handover.
type Ack struct {
	UserID   int64     `json:"user_id"`
	Username string    `json:"username"`
	At       time.Time `json:"at"`
}

// Items is the generated part of a handover.
type Items struct {
	GeneratedAt time.Time      `json:"generated_at"`
	Critical    []CaseItem     `json:"critical"`  // open P1 cases
	Approvals   []ApprovalItem `json:"approvals"` // replies waiting for a supervisor
	Alerts      []Alert        `json:"alerts"`    // ongoing alerts (listening spikes, incidents)
}

// CaseItem is a case as the handover names it. Subject is as stored: the
// page and the API redact it for the reader (internal/privacy).
type CaseItem struct {
	ID           int64      `json:"id"`
	Ref          string     `json:"ref"`
	Subject      string     `json:"subject"`
	Priority     int        `json:"priority"`
	Status       string     `json:"status"`
	Platform     string     `json:"platform"`
	Private      bool       `json:"private"`
	AuthorHandle string     `json:"author_handle,omitempty"`
	AuthorName   string     `json:"author_name,omitempty"`
	Assignee     string     `json:"assignee,omitempty"`
	AssigneeID   int64      `json:"assignee_id,omitempty"`
	Team         string     `json:"team,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	DueAt        *time.Time `json:"due_at,omitempty"`
	DueKind      string     `json:"due_kind,omitempty"` // first_response or resolve
}

// ApprovalItem is a reply waiting for approval.
type ApprovalItem struct {
	OutboxID int64     `json:"outbox_id"`
	CaseID   int64     `json:"case_id,omitempty"`
	CaseRef  string    `json:"case_ref,omitempty"`
	Since    time.Time `json:"since"`
}

// Alert is something ongoing the next shift must know of.
type Alert struct {
	Kind     string    `json:"kind"` // "spike" (a listening query's volume), "incident"
	Title    string    `json:"title"`
	Since    time.Time `json:"since"`
	Observed int64     `json:"observed,omitempty"` // a spike's posts so far this hour
	Expected float64   `json:"expected,omitempty"` // … and the usual for the same share of the hour
}

// AlertSource lists ongoing alerts (the watch floor's spikes); nil: none.
type AlertSource func(ctx context.Context, now time.Time) ([]Alert, error)

// SetAlerts sets where handovers read ongoing alerts from.
func (s *Service) SetAlerts(src AlertSource) { s.alerts = src }

// MaxNote is the longest handover note.
const MaxNote = 8 << 10

// caseCols reads a CaseItem; the query joins cases c, authors a, users u.
const caseCols = `c.id, c.ref, c.subject, c.priority, c.status, c.platform, c.private, COALESCE(a.handle, ''), COALESCE(a.name, ''),
	COALESCE(u.username, ''), COALESCE(c.assignee_id, 0), c.team, c.created_at, c.first_response_due, c.first_response_at, c.resolve_due`

const caseFrom = ` FROM cases c LEFT JOIN authors a ON a.id = c.author_id LEFT JOIN users u ON u.id = c.assignee_id `

func scanCase(r interface{ Scan(...any) error }) (CaseItem, error) {
	var c CaseItem
	var priv int
	var created int64
	var firstDue, firstAt, resolveDue sql.NullInt64
	if err := r.Scan(&c.ID, &c.Ref, &c.Subject, &c.Priority, &c.Status, &c.Platform, &priv, &c.AuthorHandle, &c.AuthorName,
		&c.Assignee, &c.AssigneeID, &c.Team, &created, &firstDue, &firstAt, &resolveDue); err != nil {
		return c, err
	}
	c.Private, c.CreatedAt = priv != 0, store.Time(created)
	switch {
	case firstDue.Valid && !firstAt.Valid:
		t := store.Time(firstDue.Int64)
		c.DueAt, c.DueKind = &t, "first_response"
	case resolveDue.Valid:
		t := store.Time(resolveDue.Int64)
		c.DueAt, c.DueKind = &t, "resolve"
	}
	return c, nil
}

func (s *Service) cases(ctx context.Context, where string, args ...any) ([]CaseItem, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT "+caseCols+caseFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("shift: unable to read cases: %w", err)
	}
	defer rows.Close()
	out := []CaseItem{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Generate reads what a handover carries now.
func (s *Service) Generate(ctx context.Context) (Items, error) {
	now := s.now().UTC()
	it := Items{GeneratedAt: now, Approvals: []ApprovalItem{}, Alerts: []Alert{}}
	var err error
	if it.Critical, err = s.cases(ctx, "WHERE c.priority = 1 AND c.status IN "+unfinished+" ORDER BY c.created_at LIMIT 100"); err != nil {
		return it, err
	}
	rows, err := s.db.Read.QueryContext(ctx, `SELECT o.id, COALESCE(o.case_id, 0), COALESCE(c.ref, ''), o.created_at FROM outbox o
		LEFT JOIN cases c ON c.id = o.case_id WHERE o.state = 'awaiting_approval' ORDER BY o.id LIMIT 100`)
	if err != nil {
		return it, fmt.Errorf("shift: unable to read pending approvals: %w", err)
	}
	for rows.Next() {
		var a ApprovalItem
		var at int64
		if err := rows.Scan(&a.OutboxID, &a.CaseID, &a.CaseRef, &at); err != nil {
			rows.Close()
			return it, err
		}
		a.Since = store.Time(at)
		it.Approvals = append(it.Approvals, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return it, err
	}
	if s.alerts != nil {
		as, err := s.alerts(ctx, now)
		if err != nil {
			// The note is still worth having without them.
			s.log.Warn("shift: ongoing alerts not read for the handover", "err", err)
		} else if as != nil {
			it.Alerts = as
		}
	}
	return it, nil
}

const handoverCols = "h.id, h.shift_key, h.slot_id, COALESCE(sl.name, ''), h.starts_at, h.ends_at, h.items, h.note, COALESCE(h.written_by, 0), h.updated_at, h.version"

func (s *Service) readHandover(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, where string, arg any) (Handover, error) {
	var h Handover
	var items string
	var start, end, upd int64
	err := q.QueryRowContext(ctx, "SELECT "+handoverCols+" FROM handovers h LEFT JOIN shift_slots sl ON sl.id = h.slot_id WHERE "+where, arg).
		Scan(&h.ID, &h.Shift.Key, &h.Shift.SlotID, &h.Shift.Name, &start, &end, &items, &h.Note, &h.WrittenBy, &upd, &h.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return h, ErrNotFound
	}
	if err != nil {
		return h, fmt.Errorf("shift: unable to read a handover: %w", err)
	}
	h.Shift.Start, h.Shift.End, h.UpdatedAt = store.Time(start), store.Time(end), store.Time(upd)
	if err := json.Unmarshal([]byte(items), &h.Items); err != nil {
		return h, fmt.Errorf("shift: handover %d has unreadable items: %w", h.ID, err)
	}
	return h, nil
}

func (s *Service) acks(ctx context.Context, h *Handover) error {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT k.user_id, u.username, k.at FROM handover_acks k JOIN users u ON u.id = k.user_id WHERE k.handover_id = $1 ORDER BY k.at", h.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	h.Acks = []Ack{}
	for rows.Next() {
		var a Ack
		var at int64
		if err := rows.Scan(&a.UserID, &a.Username, &at); err != nil {
			return err
		}
		a.At = store.Time(at)
		h.Acks = append(h.Acks, a)
	}
	return rows.Err()
}

// HandoverOf returns the handover of shift sh, generating it the first
// time anyone asks (so the note exists even if the outgoing shift wrote
// nothing).
func (s *Service) HandoverOf(ctx context.Context, sh Shift) (Handover, error) {
	h, err := s.readHandover(ctx, s.db.Read, "h.shift_key = $1", sh.Key)
	if IsNotFound(err) {
		items, gerr := s.Generate(ctx)
		if gerr != nil {
			return h, gerr
		}
		b, _ := json.Marshal(items)
		now := store.Millis(s.now())
		if err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO handovers (shift_key, slot_id, starts_at, ends_at, items, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (shift_key) DO NOTHING`,
				sh.Key, sh.SlotID, store.Millis(sh.Start), store.Millis(sh.End), string(b), now)
			return err
		}); err != nil {
			return h, fmt.Errorf("shift: unable to start a handover: %w", err)
		}
		h, err = s.readHandover(ctx, s.db.Read, "h.shift_key = $1", sh.Key)
	}
	if err != nil {
		return h, err
	}
	return h, s.acks(ctx, &h)
}

// Handover returns a handover by id.
func (s *Service) Handover(ctx context.Context, hid int64) (Handover, error) {
	h, err := s.readHandover(ctx, s.db.Read, "h.id = $1", hid)
	if err != nil {
		return h, err
	}
	return h, s.acks(ctx, &h)
}

// Handovers lists the latest handovers, newest first.
func (s *Service) Handovers(ctx context.Context, limit int) ([]Handover, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id FROM handovers ORDER BY starts_at DESC LIMIT $1", limit)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, x)
	}
	rows.Close()
	out := []Handover{}
	for _, x := range ids {
		h, err := s.Handover(ctx, x)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// HandoverEdit is the outgoing shift's edit of its note.
type HandoverEdit struct {
	Note    string `json:"note"`
	Refresh bool   `json:"refresh"` // generate the items afresh
	Version int    `json:"version"` // required: refuse if changed since
}

// SaveHandover stores the note (and fresh items when asked), audited.
func (s *Service) SaveHandover(ctx context.Context, hid, actor int64, e HandoverEdit) (Handover, error) {
	e.Note = strings.TrimSpace(strings.ReplaceAll(e.Note, "\r\n", "\n"))
	if len(e.Note) > MaxNote || !utf8.ValidString(e.Note) || strings.ContainsRune(e.Note, 0) {
		return Handover{}, invalid("note", "must be text of at most %d bytes", MaxNote)
	}
	var items []byte
	if e.Refresh {
		it, err := s.Generate(ctx)
		if err != nil {
			return Handover{}, err
		}
		items, _ = json.Marshal(it)
	}
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var version int
		err := tx.QueryRowContext(ctx, "SELECT version FROM handovers WHERE id = $1", hid).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if e.Version != version {
			return ErrConflict
		}
		q := "UPDATE handovers SET note = $1, written_by = $2, updated_at = $3, version = version + 1"
		args := []any{e.Note, actor, now}
		if items != nil {
			q += ", items = $5"
		}
		q += " WHERE id = $4"
		args = append(args, hid)
		if items != nil {
			args = append(args, string(items))
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("shift: unable to save a handover: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "handover.save", Target: id("handover", hid),
			Details: map[string]any{"refreshed": e.Refresh, "note_bytes": len(e.Note)}})
	})
	if err != nil {
		return Handover{}, err
	}
	s.onChange()
	return s.Handover(ctx, hid)
}

// Acknowledge records that user read the handover (audited; once).
func (s *Service) Acknowledge(ctx context.Context, hid, user int64) (Handover, error) {
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM handovers WHERE id = $1", hid).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO handover_acks (handover_id, user_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", hid, user, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "handover.ack", Target: id("handover", hid)})
	})
	if err != nil {
		return Handover{}, err
	}
	s.onChange()
	return s.Handover(ctx, hid)
}

// Pending is the handover user must still acknowledge: the note of the
// shift before the current one, while they are on shift and have not
// acknowledged it. nil when there is none.
func (s *Service) Pending(ctx context.Context, user int64) (*Handover, error) {
	on, _, err := s.Status(ctx, user)
	if err != nil || !on {
		return nil, err
	}
	cur, slots, err := s.Current(ctx)
	if err != nil || len(slots) == 0 {
		return nil, err
	}
	prev, ok := Before(slots, cur)
	if !ok {
		return nil, nil
	}
	h, err := s.HandoverOf(ctx, prev)
	if err != nil {
		return nil, err
	}
	if h.Acked(user) {
		return nil, nil
	}
	return &h, nil
}
