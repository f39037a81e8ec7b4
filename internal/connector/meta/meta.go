// Package meta connects the desk to a Facebook Page, its Messenger inbox
// and its linked Instagram professional account through the Graph API.
//
// One package, three registered platforms: "facebook", "instagram" and
// "messenger" all build the same connector, because Meta delivers all of
// them to one app callback and one Page token answers them all. The
// channel's platform only decides what Publish does (facebook: a Page
// post, with one photo when the message has media; instagram: a feed post
// with one image or a carousel of up to ten; messenger: refused, Invalid). Inbound posts carry
// their own platform: Page feed and mentions → facebook, Page messaging →
// messenger, Instagram comments, mentions and DMs → instagram.
//
// Inbound is webhooks (GET hub handshake, POST signed with
// X-Hub-Signature-256 over the raw body) plus a periodic polling
// reconciliation of the Graph API for what webhooks missed (Run; see
// reconcile.go).
// Instagram mention webhooks carry only ids, so the handler fetches the
// text from the Graph API before ingesting.
//
// Channel.Config keys:
//
//	graph_url     Graph API root including the version, default https://graph.facebook.com/v23.0
//	page_id       our Page id (Messenger sends, Page posts, Check)
//	ig_user_id    our Instagram professional account id (IG replies, mention lookups)
//	verify_token  hub.verify_token for the handshake (may also be a secret)
//	human_agent   "true": Messenger replies 24 h–7 d after the user's last
//	              message use MESSAGE_TAG HUMAN_AGENT (needs Meta's permission)
//	rate_wait     wait for a throttling error without estimated_time_to_regain_access, default 60s
//	ig_container_wait  longest wait for an Instagram media container to finish, default 60s
//	ig_container_poll  between its status reads, default 2s
//	appsecret_proof  "false" to not send appsecret_proof, default on when app_secret is set
//	reconcile_every  how often Run polls for missed webhooks, default 15m; 0 disables
//	reconcile_margin  overlap with the previous pass, default 10m
//	reconcile_lookback  how far back the first pass reads, default 24h
//	reconcile_post_window  comments are read on posts and media this old, default 7 days
//	reconcile_pages  pages walked per edge and pass, default 20
//
// Channel.Secrets keys:
//
//	app_secret    webhook signature key and appsecret_proof key (required)
//	page_token    Page (or system-user) access token
//	verify_token  alternative place for the handshake token
//
// Reply routing (Target): Extra["platform"] wins when set; otherwise a
// Recipient or a "page:psid" ThreadID means a DM (Instagram when
// Target.Channel is ig_user_id, else Messenger); otherwise Target.Channel
// equal to ig_user_id means an Instagram comment reply
// (POST /{comment}/replies), or, when Extra["kind"] is "mention" (we were
// @mentioned in another account's caption or comment), a reply through
// POST /{ig-user-id}/mentions with media_id (the ThreadID) and comment_id
// (the ParentID when it is not the media); anything else a Facebook
// comment (POST /{parent}/comments). Every check that needs no network
// is in validate.go (connector.Validator).
//
// Checkpoints: "meta:<channel id>:<entry id>" holds last_entry_time (Unix
// seconds), noted after each accepted delivery (informational);
// "meta:<channel id>:reconcile" holds since, the start of the last
// reconciliation pass whose posts are all durable.
package meta

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// DefaultGraphURL is the Graph API root with the version we were written
// against.
const DefaultGraphURL = "https://graph.facebook.com/v23.0"

// Text limits checked before sending.
const (
	MessengerMaxChars = 2000
	FBCommentMaxChars = 8000
	IGCommentMaxChars = 2200
)

const maxResponse = 4 << 20

func init() {
	for _, p := range []string{post.Facebook, post.Instagram, post.Messenger} {
		connector.Register(p, func(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
			return New(ch, deps)
		})
	}
}

// Connector is one Page (+ linked Instagram account).
type Connector struct {
	rules // what Meta accepts, checked before sending (validate.go)

	ch          connector.Channel
	deps        connector.Deps
	graph       string
	verifyToken string
	appSecret   string
	pageToken   string
	proof       bool
	humanAgent  bool
	rateWait    time.Duration
	igWait      time.Duration // longest wait for an Instagram media container
	igPoll      time.Duration // between container status reads
	health      *conn.Health

	// polling reconciliation (reconcile.go)
	reconcileEvery, margin, lookback, postWindow time.Duration
	maxPages                                     int
}

// New builds a Meta connector from a channel.
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
		graph:       conn.BaseURL(ch.Config, "graph_url", DefaultGraphURL),
		rules:       newRules(ch),
		verifyToken: conn.Str(ch.Config, "verify_token", ch.Secrets["verify_token"]),
		appSecret:   ch.Secrets["app_secret"],
		pageToken:   ch.Secrets["page_token"],
		humanAgent:  ch.Config["human_agent"] == "true",
		health:      conn.NewHealth(),
	}
	c.proof = c.appSecret != "" && ch.Config["appsecret_proof"] != "false"
	var err error
	if c.rateWait, err = conn.Duration(ch.Config, "rate_wait", time.Minute); err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	if c.igWait, err = conn.Duration(ch.Config, "ig_container_wait", time.Minute); err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	if c.igPoll, err = conn.Duration(ch.Config, "ig_container_poll", 2*time.Second); err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
		def time.Duration
	}{
		{"reconcile_every", &c.reconcileEvery, 15 * time.Minute},
		{"reconcile_margin", &c.margin, 10 * time.Minute},
		{"reconcile_lookback", &c.lookback, 24 * time.Hour},
		{"reconcile_post_window", &c.postWindow, 7 * 24 * time.Hour},
	} {
		if *d.dst, err = conn.Duration(ch.Config, d.key, d.def); err != nil {
			return nil, fmt.Errorf("meta: %w", err)
		}
	}
	c.maxPages = 20
	if v := conn.Str(ch.Config, "reconcile_pages", ""); v != "" {
		if c.maxPages, err = strconv.Atoi(v); err != nil || c.maxPages < 1 || c.maxPages > 1000 {
			return nil, fmt.Errorf("meta: config reconcile_pages: invalid %q", v)
		}
	}
	if c.appSecret == "" {
		return nil, errors.New("meta: secret app_secret is required (webhook signatures)")
	}
	if c.pageID == "" && c.igUserID == "" {
		return nil, errors.New("meta: config page_id or ig_user_id is required")
	}
	return c, nil
}

// Run receives nothing itself (Meta pushes to Webhook); it reconciles
// every reconcile_every (at once on start, to catch up on what was missed
// while the desk was down) until ctx ends.
func (c *Connector) Run(ctx context.Context) error {
	c.health.Connected(true)
	defer c.health.Connected(false)
	if c.reconcileEvery <= 0 || c.deps.Checkpoints == nil {
		<-ctx.Done()
		return nil
	}
	for {
		// Failed sources were logged, and put in health, as they failed.
		if err := c.Reconcile(ctx); err != nil && ctx.Err() == nil && !logged(err) {
			c.logErr("meta: reconcile", err)
		}
		if conn.Sleep(ctx, conn.Jitter(c.reconcileEvery)) != nil {
			return nil
		}
	}
}

// Health reports the last event, Graph usage headroom and recent errors.
func (c *Connector) Health() connector.Health { return c.health.Snapshot() }

// Counter exposes the health counters ("ignored", "bad_signature"…).
func (c *Connector) Counter(name string) int { return c.health.Counter(name) }

// Check reads our Page (or IG account) with the token.
func (c *Connector) Check(ctx context.Context) error {
	id := c.pageID
	if id == "" {
		id = c.igUserID
	}
	return c.call(ctx, http.MethodGet, "/"+url.PathEscape(id), url.Values{"fields": {"id,name"}}, nil, &struct{}{})
}

// --- Graph client ---

// GraphError is Meta's {"error":{…}} envelope.
type GraphError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode"`
	IsTransient bool   `json:"is_transient"`
	UserMsg     string `json:"error_user_msg"`
	TraceID     string `json:"fbtrace_id"`
	ErrorData   *struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

// DecodeGraphError reads the error envelope; ok is false when body is not one.
func DecodeGraphError(body []byte) (GraphError, bool) {
	var e struct {
		Error *GraphError `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == nil {
		return GraphError{}, false
	}
	return *e.Error, true
}

// ThrottleCode reports Graph throttling codes (the HTTP status is usually
// 400, so the code decides).
func ThrottleCode(code int) bool {
	switch code {
	case 4, 17, 32, 613, 341, 80001, 80002, 80003, 80004, 80005, 80006, 80007, 80008, 80009, 80014:
		return true
	}
	return false
}

// ClassifyGraph maps a Graph error to the outbox's class. regain is the
// usage headers' estimated_time_to_regain_access; def the fallback wait.
func ClassifyGraph(platform string, status int, ge GraphError, regain, def time.Duration) *connector.Error {
	e := &connector.Error{Platform: platform, Status: status, Code: strconv.Itoa(ge.Code), Message: ge.Message}
	if ge.Subcode != 0 {
		e.Code += "/" + strconv.Itoa(ge.Subcode)
	}
	if ge.ErrorData != nil && ge.ErrorData.Details != "" {
		e.Message += " (" + ge.ErrorData.Details + ")"
	}
	switch {
	case ThrottleCode(ge.Code):
		e.Class, e.RetryAfter = connector.RateLimited, def
		if regain > 0 {
			e.RetryAfter = regain
		}
	case ge.Code == 190 || ge.Code == 102:
		e.Class = connector.AuthExpired
	case ge.Code == 10 && ge.Subcode == 2018278:
		e.Class = connector.WindowClosed
	case ge.Code == 506:
		e.Class = connector.Duplicate
	case ge.Code == 1 || ge.Code == 2 || ge.IsTransient || status >= 500:
		e.Class = connector.Retryable
	default:
		e.Class = connector.Permanent
	}
	return e
}

// call performs one Graph request with the Page token. form goes as a
// form body (POST) or query (GET); jsonBody, when set, is sent as JSON.
func (c *Connector) call(ctx context.Context, method, path string, form url.Values, jsonBody any, out any) error {
	q := url.Values{}
	if method == http.MethodGet {
		for k, v := range form {
			q[k] = v
		}
	}
	if c.proof && c.pageToken != "" {
		q.Set("appsecret_proof", AppSecretProof(c.appSecret, c.pageToken))
	}
	u := c.graph + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body *strings.Reader
	ctype := ""
	switch {
	case jsonBody != nil:
		b, err := json.Marshal(jsonBody)
		if err != nil {
			return err
		}
		body, ctype = strings.NewReader(string(b)), "application/json"
	case method != http.MethodGet:
		body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	default:
		body = strings.NewReader("")
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("meta: unable to build request: %w", err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+c.pageToken)
	resp, err := c.deps.HTTP.Do(req)
	if err != nil {
		e := &connector.Error{Class: conn.TransportClass(err), Platform: c.ch.Platform, Err: err}
		if method == http.MethodGet {
			e.Class = connector.Retryable // reads are safe to repeat
		}
		c.health.Error(e.Error())
		return e
	}
	defer resp.Body.Close()
	rb, rerr := conn.ReadLimited(resp.Body, maxResponse)
	usage := conn.ParseMetaUsage(resp.Header)
	if usage.Found {
		ri := connector.RateInfo{Limit: -1, Remaining: -1, UsagePct: usage.Pct}
		if usage.Regain > 0 {
			ri.RetryAfter = usage.Regain.String()
		}
		c.health.Rate(ri)
	}
	if rerr != nil {
		return &connector.Error{Class: connector.Unknown, Platform: c.ch.Platform, Status: resp.StatusCode, Err: rerr}
	}
	if resp.StatusCode/100 != 2 {
		ge, ok := DecodeGraphError(rb)
		if !ok {
			ge = GraphError{Message: http.StatusText(resp.StatusCode)}
		}
		e := ClassifyGraph(c.ch.Platform, resp.StatusCode, ge, usage.Regain, c.rateWait)
		if !ok && resp.StatusCode < 500 {
			e.Class = connector.Permanent
		}
		c.health.Error(e.Error())
		return e
	}
	if err := json.Unmarshal(rb, out); err != nil {
		return &connector.Error{Class: connector.Unknown, Platform: c.ch.Platform, Status: resp.StatusCode, Err: err}
	}
	return nil
}

// AppSecretProof is hex HMAC-SHA256(app secret, access token), required by
// apps with "Require App Secret" on.
func AppSecretProof(appSecret, token string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// --- sending ---

// Reply answers on the item's own platform and thread, after the checks
// of ValidateReply (validate.go).
func (c *Connector) Reply(ctx context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	if err := c.ValidateReply(t, m); err != nil {
		return connector.Result{}, err
	}
	var out struct {
		ID          string `json:"id"`
		RecipientID string `json:"recipient_id"`
		MessageID   string `json:"message_id"`
	}
	switch kind := c.replyKind(t); kind {
	case post.Messenger, routeInstagramDM:
		platform, account := post.Messenger, c.pageID
		if kind == routeInstagramDM {
			platform, account = post.Instagram, c.igUserID
		}
		body := map[string]any{"recipient": map[string]string{"id": dmRecipient(t)}, "messaging_type": "RESPONSE", "message": map[string]string{"text": m.Text}}
		since := c.deps.Now().Sub(t.LastInboundAt)
		switch {
		case !t.LastInboundAt.IsZero() && since <= 24*time.Hour:
		case c.humanAgent && !t.LastInboundAt.IsZero() && since <= 7*24*time.Hour:
			body["messaging_type"], body["tag"] = "MESSAGE_TAG", "HUMAN_AGENT"
		default:
			return connector.Result{}, &connector.Error{Class: connector.WindowClosed, Platform: platform,
				Message: "more than 24 hours since the user's last message"}
		}
		if err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(account)+"/messages", nil, body, &out); err != nil {
			return connector.Result{}, err
		}
		return connector.Result{ExternalID: out.MessageID}, nil
	case routeInstagramMention:
		// Another account's media or comment: we may not use
		// /{comment}/replies there, only the mentions edge of our own
		// account, which comments on the media (or under the comment).
		media, comment := mention(t)
		form := url.Values{"media_id": {media}, "message": {m.Text}}
		if comment != "" {
			form.Set("comment_id", comment)
		}
		if err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(c.igUserID)+"/mentions", form, nil, &out); err != nil {
			return connector.Result{}, err
		}
		return connector.Result{ExternalID: out.ID}, nil
	case post.Instagram:
		if err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(t.ParentID)+"/replies", url.Values{"message": {m.Text}}, nil, &out); err != nil {
			return connector.Result{}, err
		}
		return connector.Result{ExternalID: out.ID}, nil
	default:
		if err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(t.ParentID)+"/comments", url.Values{"message": {m.Text}}, nil, &out); err != nil {
			return connector.Result{}, err
		}
		return connector.Result{ExternalID: out.ID, URL: "https://www.facebook.com/" + out.ID}, nil
	}
}

// Publish posts on our account: a Page post (facebook channels; one image
// in Message.Media makes it a photo post) or an Instagram post (instagram
// channels; Media is required). Messenger has no public posts.
func (c *Connector) Publish(ctx context.Context, m connector.Message) (connector.Result, error) {
	if err := c.ValidatePublish(m); err != nil {
		return connector.Result{}, err
	}
	if c.platform == post.Instagram {
		return c.publishInstagram(ctx, m)
	}
	var out struct {
		ID     string `json:"id"`
		PostID string `json:"post_id"`
	}
	if len(m.Media) == 1 {
		if err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(c.pageID)+"/photos", url.Values{"url": {m.Media[0]}, "caption": {m.Text}}, nil, &out); err != nil {
			return connector.Result{}, err
		}
		if out.PostID != "" {
			out.ID = out.PostID
		}
	} else if err := c.call(ctx, http.MethodPost, "/"+url.PathEscape(c.pageID)+"/feed", url.Values{"message": {m.Text}}, nil, &out); err != nil {
		return connector.Result{}, err
	}
	return connector.Result{ExternalID: out.ID, URL: "https://www.facebook.com/" + out.ID}, nil
}
