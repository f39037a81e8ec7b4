// Package notify delivers notifications to people: in the desk (stored
// per user, counted on the top bar's bell, pushed live), by e-mail over
// SMTP, to a Telegram chat through the Bot API, and to a signed webhook.
//
// A notification is written to the database together with one delivery
// row per outside channel, in one transaction (the caller's, with SendTx,
// so a notification exists exactly when what caused it committed). A
// worker on every replica then claims due deliveries one at a time and
// retries failures with backoff; nothing Send has returned for is lost to
// a crash or a restart. Higher layers (SLA alerts, automation rules, the
// watch floor's alerts) decide who hears what and when; this package only
// delivers, once per dedupe key.
//
//	n := notify.New(db, cfg, notify.Options{})
//	go n.Run(ctx)
//	_, err := n.Send(ctx, notify.Notification{Kind: "sla.breach", Severity: notify.Critical,
//		Text: map[string]notify.Text{"en": {Subject: "Case 12 breached", Body: "…"}, "kn": {…}},
//		Link: "/desk/cases/12", Key: "sla.breach:12:first"}, notify.Audience{Roles: []auth.Role{auth.RoleSupervisor}, Broadcast: true})
package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Severity of a notification; the bell and the page show it.
const (
	Info     = "info"
	Warning  = "warning"
	Critical = "critical"
)

// Channel is one way a notification reaches people.
type Channel string

const (
	ChannelUI       Channel = "ui"       // the desk: stored per user, bell pushed live
	ChannelEmail    Channel = "email"    // each recipient's e-mail address, and Audience.Emails
	ChannelTelegram Channel = "telegram" // each recipient's chat, and the desk's configured chat (Broadcast)
	ChannelWebhook  Channel = "webhook"  // the configured webhook (Broadcast)

	channelLive Channel = "live" // internal: the bell's push, after commit
)

// Text is a notification in one language.
type Text struct {
	Subject string `json:"subject"`
	Body    string `json:"body,omitempty"`
}

// Notification is what people are told.
type Notification struct {
	ID       int64           `json:"id"`
	Kind     string          `json:"kind"`           // machine name, e.g. sla.breach, rule.notify, alert.spike
	Severity string          `json:"severity"`       // info, warning or critical
	Text     map[string]Text `json:"text"`           // by language; "en" is required, "kn" shown to Kannada readers
	Link     string          `json:"link,omitempty"` // a desk path (/desk/…) to open
	CaseID   int64           `json:"case_id,omitempty"`
	// Key, when set, makes the notification once-only: a second Send with
	// the same key (a retry, another replica) changes nothing.
	Key       string    `json:"key,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Audience is who gets a notification.
type Audience struct {
	Users  []int64     // these people (disabled accounts are skipped)
	Roles  []auth.Role // and every active user holding one of these roles
	Emails []string    // and these addresses
	// Broadcast also sends to the desk's configured Telegram chat and
	// webhook.
	Broadcast bool
	// Channels limits delivery to these channels; nil means all.
	Channels []Channel
}

func (a Audience) has(c Channel) bool { return len(a.Channels) == 0 || slices.Contains(a.Channels, c) }

// Options tune a Notifier.
type Options struct {
	Log *slog.Logger
	Now func() time.Time // tests
	// Live is called after a notification for userIDs is stored, on one
	// replica (the desk's UI publishes it to the bell over the SSE hub).
	Live func(ctx context.Context, userIDs []int64) error
	// MaxAttempts before a delivery is given up as failed (default 12:
	// about six hours of backoff).
	MaxAttempts int
	// Poll is how often the worker looks for due deliveries besides being
	// kicked (default 2 s).
	Poll time.Duration
}

// Notifier stores and delivers notifications.
type Notifier struct {
	db   *store.DB
	cfg  Config
	opt  Options
	log  *slog.Logger
	now  func() time.Time
	kick chan struct{}
}

// New returns a Notifier; call Run to deliver.
func New(db *store.DB, cfg Config, opt Options) *Notifier {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 12
	}
	if opt.Poll <= 0 {
		opt.Poll = 2 * time.Second
	}
	return &Notifier{db: db, cfg: cfg, opt: opt, log: opt.Log, now: opt.Now, kick: make(chan struct{}, 1)}
}

// Configured reports which outside channels are set up (for the admin page).
func (n *Notifier) Configured() map[Channel]bool {
	return map[Channel]bool{ChannelUI: true, ChannelEmail: n.cfg.SMTP.Addr != "",
		ChannelTelegram: n.cfg.Telegram.Token != "", ChannelWebhook: n.cfg.Webhook.URL != ""}
}

// ValidationError is a notification that cannot be sent as given.
type ValidationError struct{ Field, Message string }

func (e *ValidationError) Error() string        { return "notify: " + e.Field + ": " + e.Message }
func (e *ValidationError) InvalidField() string { return e.Field }

func (m *Notification) check() error {
	if m.Kind == "" || len(m.Kind) > 100 {
		return &ValidationError{"kind", "a kind of at most 100 characters is required"}
	}
	switch m.Severity {
	case "":
		m.Severity = Info
	case Info, Warning, Critical:
	default:
		return &ValidationError{"severity", "severity is info, warning or critical"}
	}
	en, ok := m.Text["en"]
	if !ok || strings.TrimSpace(en.Subject) == "" {
		return &ValidationError{"text", "an English subject is required"}
	}
	for lang, t := range m.Text {
		if lang != "en" && lang != "kn" && lang != "hi" {
			return &ValidationError{"text", "languages are en, kn and hi"}
		}
		if utf8.RuneCountInString(t.Subject) > 300 || utf8.RuneCountInString(t.Body) > 3000 {
			return &ValidationError{"text", "a subject is at most 300 characters and a body 3,000"}
		}
	}
	if m.Link != "" && (!strings.HasPrefix(m.Link, "/desk/") || strings.ContainsAny(m.Link, "\r\n\\")) {
		return &ValidationError{"link", "a link is a desk path starting /desk/"}
	}
	return nil
}

// Send stores a notification for its audience and queues its deliveries.
// It returns the notification's id, and false when Key was already sent
// (nothing is done again).
func (n *Notifier) Send(ctx context.Context, m Notification, to Audience) (int64, bool, error) {
	var id int64
	var fresh bool
	err := n.db.BackgroundTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, fresh, err = n.SendTx(ctx, tx, m, to)
		return err
	})
	if err == nil && fresh {
		n.Kick()
	}
	return id, fresh, err
}

// SendTx is Send inside the caller's transaction: the notification exists
// exactly when the caller's change commits. Call Kick after the commit to
// deliver at once rather than at the worker's next poll.
func (n *Notifier) SendTx(ctx context.Context, tx *sql.Tx, m Notification, to Audience) (int64, bool, error) {
	if err := m.check(); err != nil {
		return 0, false, err
	}
	texts, _ := json.Marshal(m.Text)
	now := store.Millis(n.now())
	var key any
	if m.Key != "" {
		key = m.Key
	}
	var caseID any
	if m.CaseID > 0 {
		caseID = m.CaseID
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO notifications (kind, severity, texts, link, case_id, dedupe_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		m.Kind, m.Severity, string(texts), m.Link, caseID, key, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `SELECT id FROM notifications WHERE dedupe_key = $1`, m.Key).Scan(&id)
		return id, false, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("notify: unable to store: %w", err)
	}
	users, err := n.recipients(ctx, tx, to)
	if err != nil {
		return 0, false, err
	}
	var deliveries [][2]string // channel, target
	if to.has(ChannelUI) && len(users) > 0 {
		for _, u := range users {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notification_recipients (user_id, notification_id) VALUES ($1, $2)`, u.id, id); err != nil {
				return 0, false, fmt.Errorf("notify: unable to store: %w", err)
			}
		}
		if n.opt.Live != nil {
			deliveries = append(deliveries, [2]string{string(channelLive), joinIDs(users)})
		}
	}
	seen := map[string]bool{}
	add := func(c Channel, target string) {
		if target == "" || seen[string(c)+" "+target] {
			return
		}
		seen[string(c)+" "+target] = true
		deliveries = append(deliveries, [2]string{string(c), target})
	}
	if to.has(ChannelEmail) && n.cfg.SMTP.Addr != "" {
		for _, u := range users {
			add(ChannelEmail, u.email)
		}
		for _, e := range to.Emails {
			if _, err := parseAddress(e); err != nil {
				return 0, false, &ValidationError{"emails", fmt.Sprintf("%q is not an e-mail address", e)}
			}
			add(ChannelEmail, e)
		}
	}
	if to.has(ChannelTelegram) && n.cfg.Telegram.Token != "" {
		for _, u := range users {
			add(ChannelTelegram, u.chat)
		}
		if to.Broadcast {
			add(ChannelTelegram, n.cfg.Telegram.ChatID)
		}
	}
	if to.has(ChannelWebhook) && to.Broadcast && n.cfg.Webhook.URL != "" {
		add(ChannelWebhook, n.cfg.Webhook.URL)
	}
	for _, d := range deliveries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_deliveries (notification_id, channel, target, next_at, created_at)
			VALUES ($1, $2, $3, $4, $4)`, id, d[0], d[1], now); err != nil {
			return 0, false, fmt.Errorf("notify: unable to queue: %w", err)
		}
	}
	return id, true, nil
}

type recipient struct {
	id          int64
	email, chat string
}

// recipients resolves an audience to active users with their contacts.
func (n *Notifier) recipients(ctx context.Context, tx *sql.Tx, to Audience) ([]recipient, error) {
	var out []recipient
	seen := map[int64]bool{}
	scan := func(rows *sql.Rows, err error) error {
		if err != nil {
			return fmt.Errorf("notify: unable to find recipients: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r recipient
			if err := rows.Scan(&r.id, &r.email, &r.chat); err != nil {
				return err
			}
			if !seen[r.id] {
				seen[r.id] = true
				out = append(out, r)
			}
		}
		return rows.Err()
	}
	const sel = `SELECT u.id, COALESCE(c.email, ''), COALESCE(c.telegram_chat, '') FROM users u
		LEFT JOIN notify_contacts c ON c.user_id = u.id WHERE u.disabled = 0 AND `
	for _, id := range to.Users {
		if err := scan(tx.QueryContext(ctx, sel+`u.id = $1`, id)); err != nil {
			return nil, err
		}
	}
	for _, r := range to.Roles {
		if err := scan(tx.QueryContext(ctx, sel+`u.role = $1 ORDER BY u.id`, string(r))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func joinIDs(rs []recipient) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = fmt.Sprint(r.id)
	}
	return strings.Join(s, ",")
}

// Kick wakes this replica's worker to deliver what is due now.
func (n *Notifier) Kick() {
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

// In picks the text for lang, falling back to English.
func (m Notification) In(lang string) Text {
	if t, ok := m.Text[lang]; ok && t.Subject != "" {
		return t
	}
	return m.Text["en"]
}
