// Package whatsapp connects the desk to the WhatsApp Business Cloud API:
// the messages/statuses webhook in (same handshake and X-Hub-Signature-256
// as other Meta webhooks), POST /{phone-number-id}/messages out, with the
// 24-hour customer-service window checked before sending and a template
// used (or the send refused) once it has closed.
//
// Inbound messages become private posts threaded per conversation
// "<phone_number_id>:<wa_id>" (or the user's business-scoped user id when
// a user with a username shares no number), replies to a quoted message
// carry InReplyTo = context.id, locations carry Lat/Lon, media is recorded
// by id in the text ("[image id=… ] caption") with the full payload in
// Raw, and a message the desk cannot read is kept as "[unsupported
// content: type]" with whatever text it has, never dropped.
// Statuses (sent/delivered/read/failed) go to Deps.Statuses.
//
// Channel.Config keys:
//
//	graph_url        Graph API root with version, default https://graph.facebook.com/v23.0
//	phone_number_id  the sending number's id (required)
//	verify_token     hub.verify_token (may also be a secret)
//	rate_wait        wait after a throttling error, default 60s
//
// Channel.Secrets keys:
//
//	app_secret    webhook signature key (required)
//	token         system-user access token (Bearer) for sending
//	verify_token  hub.verify_token for the handshake
//
// Checkpoints: "whatsapp:<channel id>:<waba id>" holds last_message_time,
// informational (WhatsApp has no inbound API to reconcile against).
package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/connector/meta"
	"github.com/kaval-desk/kaval/internal/post"
)

// MaxText is WhatsApp's text body limit.
const MaxText = 4096

// Window is the customer-service window after the user's last message.
const Window = 24 * time.Hour

func init() {
	connector.Register(post.WhatsApp, func(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
		return New(ch, deps)
	})
}

// Connector is one WhatsApp business number.
type Connector struct {
	rules // what WhatsApp accepts, checked before sending

	ch          connector.Channel
	deps        connector.Deps
	graph       string
	phoneID     string
	verifyToken string
	appSecret   string
	token       string
	rateWait    time.Duration
	health      *conn.Health
}

// New builds a WhatsApp connector from a channel.
func New(ch connector.Channel, deps connector.Deps) (*Connector, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	c := &Connector{
		ch:          ch,
		deps:        deps,
		graph:       conn.BaseURL(ch.Config, "graph_url", meta.DefaultGraphURL),
		phoneID:     conn.Str(ch.Config, "phone_number_id", ""),
		verifyToken: conn.Str(ch.Config, "verify_token", ch.Secrets["verify_token"]),
		appSecret:   ch.Secrets["app_secret"],
		token:       ch.Secrets["token"],
		health:      conn.NewHealth(),
	}
	var err error
	if c.rateWait, err = conn.Duration(ch.Config, "rate_wait", time.Minute); err != nil {
		return nil, fmt.Errorf("whatsapp: %w", err)
	}
	if c.appSecret == "" {
		return nil, errors.New("whatsapp: secret app_secret is required (webhook signatures)")
	}
	if c.phoneID == "" {
		return nil, errors.New("whatsapp: config phone_number_id is required")
	}
	return c, nil
}

// Run has nothing to poll: WhatsApp only pushes. It blocks until ctx ends.
func (c *Connector) Run(ctx context.Context) error {
	c.health.Connected(true)
	<-ctx.Done()
	c.health.Connected(false)
	return nil
}

// Health reports the last event, usage headroom and recent errors.
func (c *Connector) Health() connector.Health { return c.health.Snapshot() }

// Counter exposes the health counters.
func (c *Connector) Counter(name string) int { return c.health.Counter(name) }

func (c *Connector) logErr(msg string, err error) {
	c.health.Error(msg + ": " + err.Error())
	if c.deps.Log != nil {
		c.deps.Log.Warn(msg, "err", err)
	}
}

// Webhook returns the handshake and delivery handler.
func (c *Connector) Webhook() http.Handler { return http.HandlerFunc(c.serveWebhook) }

func (c *Connector) serveWebhook(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		conn.HubHandshake(w, r, c.verifyToken)
	case http.MethodPost:
		body, ok := meta.VerifiedBody(w, r, c.appSecret, c.health, c.deps.Log, post.WhatsApp)
		if !ok {
			return
		}
		now := c.deps.Now().UTC()
		d, err := DecodeWebhook(body, now)
		if err != nil {
			conn.RefuseMalformed(w, r, c.deps.Log, c.health, post.WhatsApp, err)
			return
		}
		conn.Skipped(c.deps.Log, c.health, post.WhatsApp, d.Skipped)
		conn.Ignored(c.health, post.WhatsApp, d.Ignored)
		if len(d.Posts) > 0 {
			if err := c.deps.Sink.Ingest(r.Context(), d.Posts); err != nil {
				c.logErr("whatsapp: webhook ingest", err)
				http.Error(w, "unable to store", http.StatusServiceUnavailable)
				return
			}
			c.health.Event(now)
		}
		if c.deps.Statuses != nil {
			for _, s := range d.Statuses {
				if err := c.deps.Statuses.DeliveryStatus(r.Context(), post.WhatsApp, s.ID, s.Status, s.At, s.Detail); err != nil {
					c.logErr("whatsapp: delivery status", err)
					http.Error(w, "unable to store status", http.StatusServiceUnavailable)
					return
				}
			}
		}
		if c.deps.Checkpoints != nil {
			for id, t := range d.EntryTimes {
				src := "whatsapp:" + strconv.FormatInt(c.ch.ID, 10) + ":" + id
				if err := connector.NoteCheckpoint(r.Context(), c.deps.Checkpoints, src, map[string]string{"last_message_time": strconv.FormatInt(t.Unix(), 10)}); err != nil {
					c.logErr("whatsapp: checkpoint", err)
				}
			}
		}
		w.WriteHeader(http.StatusOK)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// Check reads the phone number with the token.
func (c *Connector) Check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.graph+"/"+url.PathEscape(c.phoneID)+"?fields=display_phone_number,verified_name", nil)
	if err != nil {
		return err
	}
	_, err = c.do(req, &struct{}{}, true)
	return err
}

func init() {
	connector.RegisterValidator(post.WhatsApp, func(connector.Channel) (connector.Validator, error) { return rules{}, nil })
}

// rules are WhatsApp's checks of an outgoing message that need no
// network; the Connector embeds them (connector.Validator). Whether the
// 24-hour window is open is decided at send time.
type rules struct{}

func checkText(text string) error {
	if strings.TrimSpace(text) == "" {
		return connector.Refuse(post.WhatsApp, connector.FieldText, "empty text")
	}
	if n := utf8.RuneCountInString(text); n > MaxText {
		return connector.Refuse(post.WhatsApp, connector.FieldText, fmt.Sprintf("text is %d characters, limit %d", n, MaxText))
	}
	return nil
}

// recipient is the user a reply goes to: t.Recipient, or the wa_id of a
// "phone_number_id:wa_id" thread.
func recipient(t connector.Target) (string, error) {
	to := t.Recipient
	if to == "" {
		_, to, _ = strings.Cut(t.ThreadID, ":")
	}
	if !validWaID(to) {
		return "", connector.Refuse(post.WhatsApp, connector.FieldTarget, "reply needs the user's wa_id")
	}
	return to, nil
}

// ValidateReply checks a reply. Its text is what goes out inside the
// window, so it is checked unless a template stands in for an empty one.
func (rules) ValidateReply(t connector.Target, m connector.Message) error {
	if err := conn.NoMedia(post.WhatsApp, m); err != nil {
		return err
	}
	if _, err := recipient(t); err != nil {
		return err
	}
	if m.Template != nil && m.Template.Name != "" && strings.TrimSpace(m.Text) == "" {
		return nil
	}
	return checkText(m.Text)
}

// ValidatePublish refuses: WhatsApp has no public posts.
func (rules) ValidatePublish(m connector.Message) error {
	if err := conn.NoMedia(post.WhatsApp, m); err != nil {
		return err
	}
	return connector.Refuse(post.WhatsApp, "", "WhatsApp has no public posts")
}

// Publish is refused: WhatsApp has no public posts.
func (c *Connector) Publish(ctx context.Context, m connector.Message) (connector.Result, error) {
	return connector.Result{}, c.ValidatePublish(m)
}

// Reply sends to the conversation's user: free-form text inside the 24-hour
// window (quoting Target.ParentID), the Message.Template outside it, or
// WindowClosed when there is no template.
func (c *Connector) Reply(ctx context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	if err := c.ValidateReply(t, m); err != nil {
		return connector.Result{}, err
	}
	to, _ := recipient(t)
	open := !t.LastInboundAt.IsZero() && c.deps.Now().Sub(t.LastInboundAt) <= Window
	body := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
	switch {
	case open:
		if err := checkText(m.Text); err != nil {
			return connector.Result{}, err
		}
		body["type"] = "text"
		body["text"] = map[string]any{"preview_url": false, "body": m.Text}
		if t.ParentID != "" {
			body["context"] = map[string]string{"message_id": t.ParentID}
		}
	case m.Template != nil && m.Template.Name != "":
		params := make([]map[string]string, 0, len(m.Template.Params))
		for _, p := range m.Template.Params {
			params = append(params, map[string]string{"type": "text", "text": p})
		}
		tpl := map[string]any{"name": m.Template.Name, "language": map[string]string{"code": m.Template.Language}}
		if len(params) > 0 {
			tpl["components"] = []any{map[string]any{"type": "body", "parameters": params}}
		}
		body["type"] = "template"
		body["template"] = tpl
	default:
		return connector.Result{}, &connector.Error{Class: connector.WindowClosed, Platform: post.WhatsApp,
			Message: "more than 24 hours since the user's last message and no template given"}
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.graph+"/"+url.PathEscape(c.phoneID)+"/messages", bytes.NewReader(b))
	if err != nil {
		return connector.Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if _, err := c.do(req, &out, false); err != nil {
		return connector.Result{}, err
	}
	if len(out.Messages) == 0 || out.Messages[0].ID == "" {
		return connector.Result{}, &connector.Error{Class: connector.Unknown, Platform: post.WhatsApp, Message: "accepted without a message id"}
	}
	// Accepted, not delivered: the outcome arrives as a status webhook.
	return connector.Result{ExternalID: out.Messages[0].ID}, nil
}

func validWaID(s string) bool {
	if len(s) < 6 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (c *Connector) do(req *http.Request, out any, idempotent bool) (int, error) {
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.deps.HTTP.Do(req)
	if err != nil {
		e := &connector.Error{Class: conn.TransportClass(err), Platform: post.WhatsApp, Err: err}
		if idempotent {
			e.Class = connector.Retryable
		}
		c.health.Error(e.Error())
		return 0, e
	}
	defer resp.Body.Close()
	rb, rerr := conn.ReadLimited(resp.Body, 1<<20)
	usage := conn.ParseMetaUsage(resp.Header)
	if usage.Found {
		c.health.Rate(connector.RateInfo{Limit: -1, Remaining: -1, UsagePct: usage.Pct})
	}
	if rerr != nil {
		return resp.StatusCode, &connector.Error{Class: connector.Unknown, Platform: post.WhatsApp, Status: resp.StatusCode, Err: rerr}
	}
	if resp.StatusCode/100 != 2 {
		var e *connector.Error
		if ge, ok := meta.DecodeGraphError(rb); ok {
			e = Classify(resp.StatusCode, ge, usage.Regain, c.rateWait)
		} else {
			e = &connector.Error{Class: connector.Permanent, Platform: post.WhatsApp, Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
			if resp.StatusCode >= 500 {
				e.Class = connector.Retryable
			}
		}
		c.health.Error(e.Error())
		return resp.StatusCode, e
	}
	if err := json.Unmarshal(rb, out); err != nil {
		return resp.StatusCode, &connector.Error{Class: connector.Unknown, Platform: post.WhatsApp, Status: resp.StatusCode, Err: err}
	}
	return resp.StatusCode, nil
}

// Classify maps a WhatsApp Cloud API error to the outbox's class.
func Classify(status int, ge meta.GraphError, regain, def time.Duration) *connector.Error {
	e := meta.ClassifyGraph(post.WhatsApp, status, ge, regain, def)
	switch ge.Code {
	case 130429: // throughput per number
		e.Class, e.RetryAfter = connector.RateLimited, max(regain, 5*time.Second)
	case 131056: // pair rate: about one message per 6 s to the same user
		e.Class, e.RetryAfter = connector.RateLimited, max(regain, 6*time.Second)
	case 131048, 131049: // spam / marketing per-user limits
		e.Class, e.RetryAfter = connector.RateLimited, max(regain, def)
	case 131047:
		e.Class = connector.WindowClosed
	case 0, 190:
		e.Class = connector.AuthExpired
	case 131000:
		e.Class = connector.Retryable
	}
	if status == http.StatusUnauthorized {
		e.Class = connector.AuthExpired
	}
	return e
}
