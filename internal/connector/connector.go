// Package connector is the seam between the desk and the social platforms.
// Each platform lives in its own sub-package (x, meta, whatsapp, telegram,
// mastodon, bluesky, rss, webform) that speaks the real protocol in both
// directions and keeps all platform knowledge to itself. The desk only sees
// the types here: posts go in through a Sink, cursors are kept in
// Checkpoints, replies and posts go out through a Sender.
package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

// Sink is the intake entry point. Ingest returns nil only once every post is
// durable (and so may be acknowledged to the platform); it is idempotent on
// (platform, external id), so redeliveries are harmless.
type Sink interface {
	Ingest(ctx context.Context, posts []post.Post) error
}

// ChangeSink applies edits and deletions of posts already delivered
// (post.Change). Apply returns nil only once every change is durable;
// it is idempotent, so a redelivered edit or deletion changes nothing.
// The intake implements it beside Sink.
type ChangeSink interface {
	Apply(ctx context.Context, changes []post.Change) error
}

// ErrNoChangeSink is returned by ApplyChanges when the sink cannot take
// edits and deletions; the connector counts them as ignored.
var ErrNoChangeSink = errors.New("connector: the sink takes no edits or deletions")

// ApplyChanges hands changes to s when it is a ChangeSink.
func ApplyChanges(ctx context.Context, s Sink, changes []post.Change) error {
	if len(changes) == 0 {
		return nil
	}
	cs, ok := s.(ChangeSink)
	if !ok {
		return ErrNoChangeSink
	}
	return cs.Apply(ctx, changes)
}

// Checkpoints persists per-source cursors (since_id, offset, ETag…). A
// connector saves a checkpoint only after the batch it covers was accepted
// by the Sink: at-least-once delivery plus idempotent intake gives exactly
// once.
type Checkpoints interface {
	LoadCheckpoint(ctx context.Context, source string) (map[string]string, error)
	SaveCheckpoint(ctx context.Context, source string, values map[string]string) error
}

// Noter is implemented by Checkpoints that can record a checkpoint that is
// informational only (a webhook's last event time: a webhook cannot be
// resumed from it) without the caller waiting for a commit of its own. On
// SQLite's single writer a second commit per delivery halves the rate at
// which a platform's webhooks are acknowledged.
type Noter interface {
	NoteCheckpoint(source string, values map[string]string)
}

// NoteCheckpoint records an informational checkpoint: through cp's Noter
// when it has one, else durably (and then a failure is returned).
func NoteCheckpoint(ctx context.Context, cp Checkpoints, source string, values map[string]string) error {
	if n, ok := cp.(Noter); ok {
		n.NoteCheckpoint(source, values)
		return nil
	}
	return cp.SaveCheckpoint(ctx, source, values)
}

// Channel is one connected account or listening source as configured by an
// admin. Config holds non-secret settings (base URL, page id, handle,
// keywords…); Secrets holds decrypted tokens and app secrets, which must
// never be logged.
type Channel struct {
	ID       int64
	Platform string
	Name     string
	Config   map[string]string
	Secrets  map[string]string
}

// StatusSink records delivery statuses of items we sent (WhatsApp statuses,
// Messenger delivery/read events), keyed by the platform's id of the sent
// item. Unknown ids are ignored by the implementation.
type StatusSink interface {
	DeliveryStatus(ctx context.Context, platform, externalID, status string, at time.Time, detail string) error
}

// SecretStore persists secrets a connector rotates itself. OAuth 2.0
// refresh tokens are single-use: a rotated one that is not stored leaves
// an account an admin must reconnect after the next restart.
type SecretStore interface {
	// LoadSecrets returns the channel's stored secrets, which another
	// replica may have rotated since this connector was built.
	LoadSecrets(ctx context.Context) (map[string]string, error)
	// SaveSecrets sets these secrets and keeps the others. It does not
	// restart the connector.
	SaveSecrets(ctx context.Context, set map[string]string) error
}

// Deps are what the desk gives a connector.
type Deps struct {
	Sink        Sink
	Checkpoints Checkpoints
	Statuses    StatusSink       // may be nil: statuses are then dropped
	Secrets     SecretStore      // may be nil: rotated secrets then live in memory only
	HTTP        *http.Client     // for outbound calls; tests point base URLs at fakes
	Now         func() time.Time // injectable clock (24-hour windows, token expiry)
	Log         *slog.Logger
	// Listening, when set, gives the approved listening queries to the
	// connectors whose platform offers keyword listening (X stream rules,
	// Bluesky and Mastodon searches) and records how each listens.
	Listening Listening
}

// Listening is the desk's side of keyword listening (internal/query's
// Store implements it). Each connector asks for the approved queries,
// writes each in its platform's form (Query.ListenForm), and reports its
// whole state after every sync.
type Listening interface {
	ListeningQueries(ctx context.Context) ([]query.ListenQuery, error)
	ReportListening(ctx context.Context, channelID int64, platform string, reports []query.ListenReport) error
}

// Connector is one live channel.
type Connector interface {
	// Run listens (polls or streams) until ctx ends, reconnecting with the
	// platform's documented backoff. Webhook-only connectors block until
	// ctx ends and return nil.
	Run(ctx context.Context) error
	// Webhook returns the handler for the platform's push deliveries
	// (handshakes and signed POSTs), mounted at /hooks/{channel id}; nil
	// when the platform has none.
	Webhook() http.Handler
	// Check tests the credentials against the platform.
	Check(ctx context.Context) error
	// Health reports the channel's state for the admin page.
	Health() Health
	Sender
}

// Factory builds a connector for a configured channel.
type Factory func(ch Channel, deps Deps) (Connector, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a platform available; each platform package calls it from
// init.
func Register(platform string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[platform]; dup {
		panic("connector: platform registered twice: " + platform)
	}
	factories[platform] = f
}

// New builds the connector for ch.
func New(ch Channel, deps Deps) (Connector, error) {
	mu.RLock()
	f, ok := factories[ch.Platform]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("connector: unknown platform %q", ch.Platform)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	deps.Log = deps.Log.With("channel", ch.ID, "platform", ch.Platform)
	return f(ch, deps)
}

// Platforms lists the registered platforms.
func Platforms() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(factories))
	for p := range factories {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Health is a channel's state as shown to admins.
type Health struct {
	LastEventAt time.Time `json:"last_event_at,omitzero"`
	Lag         string    `json:"lag,omitempty"` // how far behind the platform, when known
	Rate        RateInfo  `json:"rate"`
	Errors      []string  `json:"recent_errors,omitempty"` // newest first, at most 10
	Connected   bool      `json:"connected"`
}

// RateInfo is the rate-limit headroom parsed from the platform's headers.
type RateInfo struct {
	Limit      int       `json:"limit"`     // -1 when unknown
	Remaining  int       `json:"remaining"` // -1 when unknown
	ResetAt    time.Time `json:"reset_at,omitzero"`
	RetryAfter string    `json:"retry_after,omitempty"`
	UsagePct   float64   `json:"usage_pct,omitempty"` // Meta's usage headers
}

// Target says where a reply goes: the parent item on its own platform and
// thread. The outbox fills it from the post being answered.
//
// Its JSON names are the API's (snake_case); the outbox stores it so too.
type Target struct {
	Channel   string            `json:"channel,omitempty"`   // our account/page/number/chat
	ParentID  string            `json:"parent_id,omitempty"` // the external id of the post, comment or message answered
	ThreadID  string            `json:"thread_id,omitempty"` // conversation root (Bluesky root URI, DM conversation…)
	Recipient string            `json:"recipient,omitempty"` // PSID / wa_id / chat id for direct-message platforms
	Extra     map[string]string `json:"extra,omitempty"`
	// LastInboundAt is when the citizen last wrote to us on this thread,
	// for the 24-hour windows of WhatsApp and Messenger.
	LastInboundAt time.Time `json:"last_inbound_at,omitzero"`
}

// Message is what to send.
type Message struct {
	Text string
	// IdempotencyKey is the outbox row's key; platforms that support one
	// (Mastodon) get it as a header, Bluesky derives the record key from it.
	IdempotencyKey string
	// QueuedAt is when the outbox row was created: the same on every
	// attempt, so identifiers derived from it (Bluesky's record key, a
	// TID) do not change between retries.
	QueuedAt time.Time
	// Template is used when a platform's free-form window has closed
	// (WhatsApp); nil means refuse instead.
	Template *Template
	// Media are public URLs of images to attach. Instagram cannot publish
	// without one; platforms that do not attach media refuse a message
	// carrying some (Invalid) rather than silently drop them.
	Media []string
}

// Template names a pre-approved platform template.
type Template struct {
	Name     string
	Language string
	Params   []string
}

// Result is what the platform said about a sent item. Accepted without a
// delivered status is normal for WhatsApp and Messenger: delivery arrives
// later as a status webhook.
type Result struct {
	ExternalID string `json:"external_id"`
	URL        string `json:"url,omitempty"`
}

// Sender sends replies and posts. Implementations check the platform's rules
// before sending (length, windows, facets) and return *Error on failure.
type Sender interface {
	Reply(ctx context.Context, t Target, m Message) (Result, error)
	Publish(ctx context.Context, m Message) (Result, error)
}

// Validator is implemented by connectors that can tell, without any
// network I/O, whether their platform would take a message: its length as
// the platform counts it (X's weighted characters, Bluesky's graphemes,
// Telegram's UTF-16 units…), media counts, hashtags and mentions, the
// shape of the target, and the channel settings a send needs. Reply and
// Publish run the same checks before sending; the desk runs them when a
// person queues a reply or a post, so a message the platform would refuse
// is refused while its author is at the keyboard instead of failing after
// a supervisor approved it.
//
// What can only be known at send time is not checked: the 24-hour windows
// of WhatsApp and Messenger (they run on while an item waits), facts read
// from the platform (a Mastodon parent's author, prefixed to the reply
// when not given in Target.Extra), and credentials.
//
// A refusal is an *Error of class Invalid whose Field says what broke the
// rule and whose Message names the rule.
type Validator interface {
	ValidateReply(t Target, m Message) error
	ValidatePublish(m Message) error
}

// ValidatorFactory builds a channel's Validator from its platform and
// Config alone: no secrets, no network, nothing started.
type ValidatorFactory func(ch Channel) (Validator, error)

// ErrNoValidator is returned by NewValidator for a platform that has
// registered none.
var ErrNoValidator = errors.New("connector: no validator for this platform")

var validators = map[string]ValidatorFactory{}

// RegisterValidator makes a platform's checks available without a live
// connector; each platform package calls it from init, with a factory
// building the same rules its connector embeds.
func RegisterValidator(platform string, f ValidatorFactory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := validators[platform]; dup {
		panic("connector: validator registered twice: " + platform)
	}
	validators[platform] = f
}

// NewValidator returns the checks of ch's platform under ch's Config
// (ch.Secrets are not needed). It wraps ErrNoValidator when the platform
// registered none, and returns the factory's error for a Config the
// connector would not start with either.
func NewValidator(ch Channel) (Validator, error) {
	mu.RLock()
	f, ok := validators[ch.Platform]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoValidator, ch.Platform)
	}
	if ch.Config == nil {
		ch.Config = map[string]string{}
	}
	return f(ch)
}

// Class says what the outbox should do with a failure.
type Class int

const (
	Permanent    Class = iota // do not retry; show the platform's error
	Retryable                 // transient: retry with backoff and jitter
	RateLimited               // wait RetryAfter, then retry
	AuthExpired               // stop the channel and alert an admin
	WindowClosed              // outside a 24-hour window: needs a template or a human
	Duplicate                 // the platform says it already has this
	Unknown                   // the outcome is unknown (timeout after send): never blindly re-POST
	Invalid                   // refused before sending (too long, bad target)
)

func (c Class) String() string {
	return [...]string{"permanent", "retryable", "rate_limited", "auth_expired", "window_closed", "duplicate", "unknown", "invalid"}[c]
}

// Error is a platform failure with the platform's own code and message.
type Error struct {
	Class    Class
	Platform string
	Status   int    // HTTP status, 0 if none
	Code     string // the platform's error code
	Message  string // the platform's own message
	// Field is set on Invalid refusals made before sending: the part of
	// the message that broke the rule, FieldText, FieldMedia or
	// FieldTarget; "" when it is the channel (a missing setting, a
	// platform without posts).
	Field      string
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Platform, e.Class)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		s += " code " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Parts of a message an Invalid refusal can name (Error.Field).
const (
	FieldText   = "text"
	FieldMedia  = "media"
	FieldTarget = "target"
)

// Refuse returns an Invalid refusal of field by platform's rule msg.
func Refuse(platform, field, msg string) *Error {
	return &Error{Class: Invalid, Platform: platform, Field: field, Message: msg}
}

// ClassOf returns the class of err, Retryable for errors that are not *Error
// (network failures before anything was sent).
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return Retryable
}

// Metrics are a platform's public counts for one of our own posts. A
// count the platform does not offer (reach on Mastodon, views on a
// Telegram channel through the Bot API) is NotOffered.
type Metrics struct {
	Likes       int64 `json:"likes"`
	Reposts     int64 `json:"reposts"`
	Replies     int64 `json:"replies"`
	Quotes      int64 `json:"quotes"`
	Reach       int64 `json:"reach"`       // distinct accounts that saw it
	Impressions int64 `json:"impressions"` // times it was shown
}

// NotOffered marks a count a platform does not give.
const NotOffered = -1

// MetricsReader is implemented by connectors that can read engagement on
// posts they published, by the external ids their Publish returned. Ids
// the platform no longer knows (a deleted post) are left out of the map.
type MetricsReader interface {
	PostMetrics(ctx context.Context, externalIDs []string) (map[string]Metrics, error)
}
