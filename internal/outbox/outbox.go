// Package outbox is the one durable way out: every reply and post is a row
// here before anything is sent, with an idempotency key, a state, and the
// platform's own answer.
//
// States:
//
//	awaiting_approval ──Approve──▶ pending ──claim──▶ sending ──▶ sent
//	        │                        ▲  │                 │
//	      Reject                retry│  └─Cancel          ├──▶ failed  ──Retry──▶ pending
//	        ▼                        └────────────────────┤
//	    cancelled ◀──Cancel── (pending, failed, unknown)  └──▶ unknown ──Retry──▶ pending
//
// A database restored from a backup holds what could still leave (pending,
// sending, awaiting_approval ──restore──▶ held ──Release──▶ back, or Cancel):
// see HoldRestored.
//
// A row is marked sending durably before the connector is called. A row
// found in sending after a crash (or whose claim expired) becomes unknown
// and is never re-posted automatically: a person looks for the created item
// on the platform and then decides (Retry or Cancel). That is how "nothing
// is sent twice because of a crash" holds on platforms without idempotency
// keys.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// State of an outbox row.
type State string

const (
	AwaitingApproval State = "awaiting_approval"
	Pending          State = "pending"
	Sending          State = "sending"
	Sent             State = "sent"
	Failed           State = "failed"
	Unknown          State = "unknown"
	Cancelled        State = "cancelled"
)

// Kind of an outbox row.
type Kind string

const (
	Reply   Kind = "reply"
	Publish Kind = "publish"
)

// Errors callers can test for.
var (
	ErrNotFound = store.ErrNotFound
	ErrState    = errors.New("outbox: not allowed in the item's current state")
	ErrConflict = errors.New("outbox: idempotency key already used for a different message")
	ErrInvalid  = errors.New("outbox: invalid item")
)

// Limits on hostile or mistaken input.
const (
	MaxText   = 64 << 10
	MaxKeyLen = 200
	MaxMedia  = 10 // Instagram's carousel limit
)

// storedTarget is what the target column holds: the target, and the media
// beside it (a column of their own would need a migration for a list that
// is empty on almost every row).
type storedTarget struct {
	connector.Target
	Media []string `json:"media,omitempty"`
}

// UnmarshalJSON reads the target as stored now (snake_case) and as rows
// queued before connector.Target had JSON names stored it (Go field
// names: ParentID, ThreadID, LastInboundAt; the others match either way,
// since encoding/json matches names without regard to case).
func (st *storedTarget) UnmarshalJSON(b []byte) error {
	type plain storedTarget
	var legacy struct {
		plain
		OldParentID      string    `json:"ParentID"`
		OldThreadID      string    `json:"ThreadID"`
		OldLastInboundAt time.Time `json:"LastInboundAt"`
	}
	if err := json.Unmarshal(b, &legacy); err != nil {
		return err
	}
	*st = storedTarget(legacy.plain)
	if st.ParentID == "" {
		st.ParentID = legacy.OldParentID
	}
	if st.ThreadID == "" {
		st.ThreadID = legacy.OldThreadID
	}
	if st.LastInboundAt.IsZero() {
		st.LastInboundAt = legacy.OldLastInboundAt
	}
	return nil
}

// Item is one outbox row. Enqueue reads the fields marked "in"; the rest
// are the row's state.
type Item struct {
	ID             int64               `json:"id"`
	IdempotencyKey string              `json:"idempotency_key"` // in: required, unique
	ChannelID      int64               `json:"channel_id"`      // in
	Platform       string              `json:"platform"`
	Kind           Kind                `json:"kind"`                 // in
	CaseID         int64               `json:"case_id,omitempty"`    // in: 0 for none
	PostID         int64               `json:"post_id,omitempty"`    // in: the post answered, 0 for none
	Target         connector.Target    `json:"target"`               // in (replies)
	Text           string              `json:"text"`                 // in
	Template       *connector.Template `json:"template,omitempty"`   // in
	Media          []string            `json:"media,omitempty"`      // in: public image URLs (Instagram publishes need one)
	NeedsApproval  bool                `json:"needs_approval"`       // in
	CreatedBy      int64               `json:"created_by,omitempty"` // in: user id, 0 for the system
	NotBefore      time.Time           `json:"-"`                    // in: do not send before (scheduled posts)

	State          State     `json:"state"`
	Attempts       int       `json:"attempts"`
	NextAttemptAt  time.Time `json:"next_attempt_at,omitzero"`
	LastError      string    `json:"last_error,omitempty"`
	ErrorClass     string    `json:"error_class,omitempty"`
	ErrorCode      string    `json:"error_code,omitempty"`
	ExternalID     string    `json:"external_id,omitempty"`
	URL            string    `json:"url,omitempty"`
	SentAt         time.Time `json:"sent_at,omitzero"`
	DeliveryStatus string    `json:"delivery_status,omitempty"`
	DeliveryAt     time.Time `json:"delivery_at,omitzero"`
	DeliveryDetail string    `json:"delivery_detail,omitempty"`
	ApprovedBy     int64     `json:"approved_by,omitempty"`
	ApprovedAt     time.Time `json:"approved_at,omitzero"`
	DecidedBy      int64     `json:"decided_by,omitempty"` // last to reject, cancel or retry
	DecidedAt      time.Time `json:"decided_at,omitzero"`
	DecisionNote   string    `json:"decision_note,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Outbox is the outbox table.
type Outbox struct {
	db      *store.DB
	now     func() time.Time
	wake    chan struct{}
	outcome OutcomeFunc
	logger  *slog.Logger
}

// SetLogger sets where outcomes are logged (default slog.Default()).
func (o *Outbox) SetLogger(l *slog.Logger) { o.logger = l }

func (o *Outbox) log() *slog.Logger {
	if o.logger == nil {
		return slog.Default()
	}
	return o.logger
}

// OutcomeFunc is told of an item's outcome inside the transaction that
// records it, so what it writes (a case's timeline, its clock) commits or
// rolls back with the outbox row: the item as it now stands, with State
// Sent, Failed or Unknown, or State Sent and DeliveryStatus "failed" when
// the platform later reported it undelivered. An error rolls the outcome
// back (a sent item's claim then expires into unknown).
type OutcomeFunc func(ctx context.Context, tx *sql.Tx, it Item) error

// OnOutcome sets the outcome hook; call it before starting workers.
func (o *Outbox) OnOutcome(f OutcomeFunc) { o.outcome = f }

func (o *Outbox) told(ctx context.Context, tx *sql.Tx, it Item) error {
	if o.outcome == nil {
		return nil
	}
	return o.outcome(ctx, tx, it)
}

// New returns the outbox over db.
func New(db *store.DB) *Outbox {
	return &Outbox{db: db, now: time.Now, wake: make(chan struct{}, 1)}
}

// WithClock returns a copy using now (tests); it shares the wake-up signal.
func (o *Outbox) WithClock(now func() time.Time) *Outbox { c := *o; c.now = now; return &c }

// Ready is signalled when a row may have become due (enqueue, approve,
// retry); a local Worker waits on it between polls.
func (o *Outbox) Ready() <-chan struct{} { return o.wake }

func (o *Outbox) notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Enqueue stores it and returns its id. It is idempotent on the key:
// enqueueing the same key again returns the first row's id (and
// ErrConflict if the message differs), so a double-clicked Send or a
// retried API call never makes two rows.
func (o *Outbox) Enqueue(ctx context.Context, it Item) (int64, error) {
	id, _, err := o.EnqueueThen(ctx, it, nil)
	return id, err
}

// EnqueueThen is Enqueue that also says whether this call created the row,
// and runs then (when non-nil) inside the same transaction for a new row
// only: an audit entry written there commits or rolls back with the row,
// and a repeated request (same key) records nothing twice.
func (o *Outbox) EnqueueThen(ctx context.Context, it Item, then func(tx *sql.Tx, id int64) error) (int64, bool, error) {
	var id int64
	var created bool
	err := o.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, created, err = o.EnqueueTx(ctx, tx, it)
		if err != nil || !created || then == nil {
			return err
		}
		return then(tx, id)
	})
	if err != nil {
		return id, false, err
	}
	if created && !it.NeedsApproval {
		o.notify()
	}
	return id, created, nil
}

// EnqueueTx is EnqueueThen inside the caller's transaction, for callers
// that queue several items with a change of their own (a publication's
// release: every account's version commits with its approval, or none
// does). Call Wake after the commit so the worker looks at once.
func (o *Outbox) EnqueueTx(ctx context.Context, tx *sql.Tx, it Item) (int64, bool, error) {
	it.Text = textnorm.Clean(it.Text)
	switch {
	case it.IdempotencyKey == "" || len(it.IdempotencyKey) > MaxKeyLen || !utf8.ValidString(it.IdempotencyKey):
		return 0, false, fmt.Errorf("%w: idempotency key must be 1–%d bytes of text", ErrInvalid, MaxKeyLen)
	case it.Kind != Reply && it.Kind != Publish:
		return 0, false, fmt.Errorf("%w: kind %q", ErrInvalid, it.Kind)
	case textnorm.Fold(it.Text) == "" && it.Template == nil:
		return 0, false, fmt.Errorf("%w: empty message", ErrInvalid)
	case len(it.Text) > MaxText:
		return 0, false, fmt.Errorf("%w: message is %d bytes (max %d)", ErrInvalid, len(it.Text), MaxText)
	case it.Kind == Reply && it.Target.ParentID == "" && it.Target.Recipient == "":
		return 0, false, fmt.Errorf("%w: a reply needs a parent or a recipient", ErrInvalid)
	case len(it.Media) > MaxMedia:
		return 0, false, fmt.Errorf("%w: %d media (max %d)", ErrInvalid, len(it.Media), MaxMedia)
	}
	for _, m := range it.Media {
		if u, err := url.Parse(m); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(m) > 2048 {
			return 0, false, fmt.Errorf("%w: media must be public http(s) URLs of at most 2048 bytes", ErrInvalid)
		}
	}
	target, err := json.Marshal(storedTarget{it.Target, it.Media})
	if err != nil {
		return 0, false, fmt.Errorf("%w: target: %v", ErrInvalid, err)
	}
	tmpl := ""
	if it.Template != nil {
		b, err := json.Marshal(it.Template)
		if err != nil {
			return 0, false, fmt.Errorf("%w: template: %v", ErrInvalid, err)
		}
		tmpl = string(b)
	}
	state := Pending
	if it.NeedsApproval {
		state = AwaitingApproval
	}
	now := o.now()
	due := now
	if it.NotBefore.After(now) {
		due = it.NotBefore
	}
	var platform string
	err = tx.QueryRowContext(ctx, `SELECT platform FROM channels WHERE id = $1`, it.ChannelID).Scan(&platform)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("%w: channel %d does not exist", ErrInvalid, it.ChannelID)
	}
	if err != nil {
		return 0, false, fmt.Errorf("outbox: unable to enqueue: %w", err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `
		INSERT INTO outbox (idempotency_key, channel_id, platform, kind, case_id, post_id, target, text, template,
			state, next_attempt_at, needs_approval, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		it.IdempotencyKey, it.ChannelID, platform, string(it.Kind), nullID(it.CaseID), nullID(it.PostID), string(target),
		it.Text, tmpl, string(state), store.Millis(due), store.Bool(it.NeedsApproval), nullID(it.CreatedBy), store.Millis(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return id, false, o.sameAs(ctx, tx, it, &id)
	}
	if err != nil {
		return 0, false, fmt.Errorf("outbox: unable to enqueue: %w", err)
	}
	return id, true, nil
}

// Wake tells this replica's worker to look for due items now.
func (o *Outbox) Wake() { o.notify() }

// RescheduleTx moves the time before which an item that was never tried
// may not be sent (a scheduled post dragged on the calendar). It fails
// with ErrState once the worker has claimed or tried the item: too late
// to move it.
func (o *Outbox) RescheduleTx(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	now := o.now()
	if at.Before(now) {
		at = now
	}
	res, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $2, updated_at = $3
		WHERE id = $1 AND state IN ('pending', 'awaiting_approval', 'held') AND attempts = 0`,
		id, store.Millis(at), store.Millis(now))
	if err != nil {
		return fmt.Errorf("outbox: unable to reschedule %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%w: item %d is being sent or was sent", ErrState, id)
	}
	return nil
}

// sameAs finds the row already holding it's key and checks it says the same.
func (o *Outbox) sameAs(ctx context.Context, tx *sql.Tx, it Item, id *int64) error {
	var ch int64
	var kind, text, target string
	err := tx.QueryRowContext(ctx, `SELECT id, channel_id, kind, text, target FROM outbox WHERE idempotency_key = $1`, it.IdempotencyKey).
		Scan(id, &ch, &kind, &text, &target)
	if err != nil {
		return fmt.Errorf("outbox: unable to enqueue: %w", err)
	}
	var st storedTarget
	json.Unmarshal([]byte(target), &st)
	if ch != it.ChannelID || kind != string(it.Kind) || text != it.Text || !slices.Equal(st.Media, it.Media) {
		return fmt.Errorf("%w (row %d)", ErrConflict, *id)
	}
	return nil
}

const columns = `id, idempotency_key, channel_id, platform, kind, case_id, post_id, target, text, template, state, attempts,
	next_attempt_at, last_error, error_class, error_code, external_id, url, sent_at, delivery_status, delivery_at,
	delivery_detail, needs_approval, approved_by, approved_at, decided_by, decided_at, decision_note, created_by,
	created_at, updated_at`

func scanItem(row interface{ Scan(...any) error }) (Item, error) {
	var it Item
	var caseID, postID, sentAt, delivAt, apprBy, apprAt, decBy, decAt, createdBy sql.NullInt64
	var kind, target, tmpl, state string
	var next, created, updated int64
	var needs int
	err := row.Scan(&it.ID, &it.IdempotencyKey, &it.ChannelID, &it.Platform, &kind, &caseID, &postID, &target, &it.Text,
		&tmpl, &state, &it.Attempts, &next, &it.LastError, &it.ErrorClass, &it.ErrorCode, &it.ExternalID, &it.URL,
		&sentAt, &it.DeliveryStatus, &delivAt, &it.DeliveryDetail, &needs, &apprBy, &apprAt, &decBy, &decAt,
		&it.DecisionNote, &createdBy, &created, &updated)
	if err != nil {
		return it, err
	}
	it.Kind, it.State, it.NeedsApproval = Kind(kind), State(state), needs != 0
	it.CaseID, it.PostID, it.ApprovedBy, it.DecidedBy, it.CreatedBy = caseID.Int64, postID.Int64, apprBy.Int64, decBy.Int64, createdBy.Int64
	it.NextAttemptAt, it.CreatedAt, it.UpdatedAt = store.Time(next), store.Time(created), store.Time(updated)
	it.SentAt, it.DeliveryAt, it.ApprovedAt, it.DecidedAt = store.NullTime(sentAt), store.NullTime(delivAt), store.NullTime(apprAt), store.NullTime(decAt)
	var st storedTarget
	if err := json.Unmarshal([]byte(target), &st); err != nil {
		return it, fmt.Errorf("outbox %d: bad target JSON: %w", it.ID, err)
	}
	it.Target, it.Media = st.Target, st.Media
	if tmpl != "" {
		it.Template = &connector.Template{}
		if err := json.Unmarshal([]byte(tmpl), it.Template); err != nil {
			return it, fmt.Errorf("outbox %d: bad template JSON: %w", it.ID, err)
		}
	}
	return it, nil
}

// Get returns one row.
func (o *Outbox) Get(ctx context.Context, id int64) (Item, error) {
	it, err := scanItem(o.db.Read.QueryRowContext(ctx, `SELECT `+columns+` FROM outbox WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("outbox %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return it, fmt.Errorf("outbox: unable to read %d: %w", id, err)
	}
	return it, nil
}

// Filter selects rows for List; zero fields match everything.
type Filter struct {
	States    []State
	Kind      Kind // "" for both
	ChannelID int64
	CaseID    int64
	BeforeID  int64 // paging: rows with id < BeforeID
	Limit     int   // default 50, max 500
}

// List returns rows matching f, newest first.
func (o *Outbox) List(ctx context.Context, f Filter) ([]Item, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, s := range f.States {
			ph[i] = arg(string(s))
		}
		where = append(where, "state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(string(f.Kind)))
	}
	if f.ChannelID != 0 {
		where = append(where, "channel_id = "+arg(f.ChannelID))
	}
	if f.CaseID != 0 {
		where = append(where, "case_id = "+arg(f.CaseID))
	}
	if f.BeforeID != 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = min(max(f.Limit, 50), 500)
	}
	q := `SELECT ` + columns + ` FROM outbox`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + arg(f.Limit)
	rows, err := o.db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox: unable to list: %w", err)
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, fmt.Errorf("outbox: unable to list: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: unable to list: %w", err)
	}
	return out, nil
}

// transition moves row id from one of the states in from, applying set
// (which may use $1 = id, $2 = now and further args).
func (o *Outbox) transition(ctx context.Context, id int64, from []State, set string, args ...any) error {
	ph := make([]string, len(from))
	all := []any{id, store.Millis(o.now())}
	all = append(all, args...)
	for i, s := range from {
		all = append(all, string(s))
		ph[i] = fmt.Sprintf("$%d", len(all))
	}
	res, err := o.db.Write.ExecContext(ctx,
		`UPDATE outbox SET `+set+`, updated_at = $2 WHERE id = $1 AND state IN (`+strings.Join(ph, ", ")+`)`, all...)
	if err != nil {
		return fmt.Errorf("outbox: unable to update %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	it, err := o.Get(ctx, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("%w (%s)", ErrState, it.State)
}

// Approve releases an item awaiting approval for sending.
func (o *Outbox) Approve(ctx context.Context, id, userID int64) error {
	err := o.transition(ctx, id, []State{AwaitingApproval},
		`state = 'pending', approved_by = $3, approved_at = $2, next_attempt_at = CASE WHEN next_attempt_at > $2 THEN next_attempt_at ELSE $2 END`, userID)
	if err == nil {
		o.notify()
	}
	return err
}

// Edit changes the text of an item awaiting approval (an approver's
// correction before release). It stays awaiting approval; the idempotency
// key is the item's, so it is still sent at most once.
func (o *Outbox) Edit(ctx context.Context, id, userID int64, text string) error {
	text = strings.TrimSpace(textnorm.Clean(text))
	if text == "" || len(text) > MaxText || !utf8.ValidString(text) {
		return fmt.Errorf("%w: text must be 1–%d bytes of valid text", ErrInvalid, MaxText)
	}
	return o.transition(ctx, id, []State{AwaitingApproval},
		`text = $4, decided_by = $3, decided_at = $2, decision_note = 'edited'`, userID, text)
}

// Reject refuses an item awaiting approval.
func (o *Outbox) Reject(ctx context.Context, id, userID int64, reason string) error {
	return o.transition(ctx, id, []State{AwaitingApproval},
		`state = 'cancelled', decided_by = $3, decided_at = $2, decision_note = $4`, userID, "rejected: "+note(reason))
}

// Cancel withdraws an item that has not been sent (or whose sending failed
// or is unknown). An item being sent right now cannot be cancelled.
func (o *Outbox) Cancel(ctx context.Context, id, userID int64, reason string) error {
	return o.transition(ctx, id, []State{AwaitingApproval, Pending, Failed, Unknown, Held},
		`state = 'cancelled', decided_by = $3, decided_at = $2, decision_note = $4`, userID, "cancelled: "+note(reason))
}

// Retry is a person's decision to send a failed or unknown item again
// (for unknown: after checking the platform shows no such post). The
// attempt budget starts again.
func (o *Outbox) Retry(ctx context.Context, id, userID int64) error {
	err := o.transition(ctx, id, []State{Failed, Unknown},
		`state = 'pending', attempts = 0, next_attempt_at = $2, decided_by = $3, decided_at = $2, decision_note = $4`,
		userID, "retried")
	if err == nil {
		o.notify()
	}
	return err
}

func note(s string) string {
	s = strings.TrimSpace(textnorm.Clean(s))
	if len(s) > 1000 {
		s = s[:1000]
	}
	return s
}

// statusRank orders delivery statuses that arrive out of order at the same
// instant; failed outranks everything because it needs a person.
var statusRank = map[string]int{"accepted": 1, "sent": 2, "delivered": 3, "read": 4, "played": 4, "failed": 5}

// DeliveryStatus records a platform's delivery status for an item we sent
// (WhatsApp statuses, Messenger delivery/read). It implements
// connector.StatusSink. Unknown ids are ignored; an older status never
// overwrites a newer one.
func (o *Outbox) DeliveryStatus(ctx context.Context, platform, externalID, status string, at time.Time, detail string) error {
	if externalID == "" {
		return nil
	}
	status, detail = note(status), note(detail)
	if len(status) > 40 {
		status = status[:40]
	}
	var undelivered *Item
	err := o.db.Tx(ctx, func(tx *sql.Tx) error {
		var id int64
		var cur string
		var curAt sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, delivery_status, delivery_at FROM outbox WHERE platform = $1 AND external_id = $2 ORDER BY id LIMIT 1`,
			platform, externalID).Scan(&id, &cur, &curAt)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("outbox: unable to record status: %w", err)
		}
		newAt := store.Millis(at)
		if curAt.Valid && (newAt < curAt.Int64 || (newAt == curAt.Int64 && statusRank[status] <= statusRank[cur])) {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET delivery_status = $2, delivery_at = $3, delivery_detail = $4, updated_at = $5 WHERE id = $1`,
			id, status, newAt, detail, store.Millis(o.now()))
		if err != nil {
			return fmt.Errorf("outbox: unable to record status: %w", err)
		}
		if status != "failed" || cur == "failed" {
			return nil
		}
		it, err := scanItem(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM outbox WHERE id = $1`, id))
		if err != nil {
			return fmt.Errorf("outbox: unable to record status: %w", err)
		}
		undelivered = &it
		return o.told(ctx, tx, it)
	})
	if err == nil && undelivered != nil {
		CountFailure(o.log(), *undelivered, "delivery_failed", "", detail)
	}
	return err
}

// UnknownNote is the message on rows whose outcome was lost.
const UnknownNote = "outcome unknown: sending was interrupted after the request may have reached the platform; look for the item on the platform, then Retry or Cancel"

// RecoverInterrupted turns rows stuck in sending into unknown: with all,
// every such row (start-up of a single-process SQLite deployment, where
// nothing else can be sending); otherwise only rows whose claim expired
// (replicas sharing PostgreSQL). It never sends anything.
func (o *Outbox) RecoverInterrupted(ctx context.Context, all bool) (int, error) {
	now := store.Millis(o.now())
	q := `UPDATE outbox SET state = 'unknown', error_class = 'unknown', last_error = $2, updated_at = $1 WHERE state = 'sending'`
	if !all {
		q += ` AND claim_expires_at < $1`
	}
	var lost []Item
	err := o.db.Tx(ctx, func(tx *sql.Tx) error {
		lost = lost[:0]
		rows, err := tx.QueryContext(ctx, q+` RETURNING id`, now, UnknownNote)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// A person must look at each: the case hears of it too.
		for _, id := range ids {
			it, err := scanItem(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM outbox WHERE id = $1`, id))
			if err != nil {
				return err
			}
			if err := o.told(ctx, tx, it); err != nil {
				return err
			}
			lost = append(lost, it)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("outbox: unable to recover interrupted sends: %w", err)
	}
	for _, it := range lost {
		CountFailure(o.log(), it, "unknown", "", UnknownNote)
	}
	return len(lost), nil
}
