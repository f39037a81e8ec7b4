// Package telegram connects a Telegram bot to the desk through the Bot API:
// long polling with getUpdates (offset = last update_id + 1, saved only
// after intake accepted the batch) or a webhook guarded by the
// X-Telegram-Bot-Api-Secret-Token header, and sendMessage with
// reply_parameters for answers. Media without a caption is kept with a
// marker ("[photo id=…]", "[forwarded]"); edited messages and posts become
// edits of the stored post, deleted business messages deletions
// (post.Change).
//
// Channel.Config keys:
//
//	api_url          Bot API base URL (default https://api.telegram.org)
//	mode             poll (default) or webhook
//	webhook_url      public HTTPS URL of /hooks/{id}; when set in webhook mode Run calls setWebhook
//	poll_timeout     getUpdates long-poll timeout (default 25s)
//	publish_chat     chat id or @channelusername that Publish posts to
//	backoff          first retry delay after a failed poll or intake (default 1s)
//	backoff_max      longest retry delay (default 2m)
//
// Channel.Secrets keys:
//
//	bot_token        token from @BotFather (it is part of every URL: never logged)
//	webhook_secret   secret_token given to setWebhook; required in webhook mode
package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// DefaultAPIURL is the real Bot API host.
const DefaultAPIURL = "https://api.telegram.org"

// MaxText is sendMessage's limit, in UTF-16 code units as Telegram counts.
const MaxText = 4096

func init() { connector.Register(post.Telegram, New) }

// Connector is one bot.
type Connector struct {
	rules // what Telegram accepts, checked before sending

	ch          connector.Channel
	deps        connector.Deps
	apiURL      string
	token       string
	secret      string
	mode        string
	webhookURL  string
	pollTimeout time.Duration
	bo          conn.Doubling
	health      *conn.Health
	source      string

	botMu   sync.Mutex
	botID   int64
	botUser string
}

// New builds a Telegram connector from a configured channel.
func New(ch connector.Channel, deps connector.Deps) (connector.Connector, error) {
	c := &Connector{ch: ch, deps: deps, health: conn.NewHealth()}
	c.apiURL = strings.TrimRight(ch.Config["api_url"], "/")
	if c.apiURL == "" {
		c.apiURL = DefaultAPIURL
	}
	c.token = ch.Secrets["bot_token"]
	if c.token == "" {
		return nil, errors.New("telegram: secret bot_token is required")
	}
	c.secret = ch.Secrets["webhook_secret"]
	c.mode = ch.Config["mode"]
	switch c.mode {
	case "":
		c.mode = "poll"
	case "poll":
	case "webhook":
		if c.secret == "" {
			return nil, errors.New("telegram: webhook mode needs secret webhook_secret")
		}
	default:
		return nil, fmt.Errorf("telegram: unknown mode %q (poll or webhook)", c.mode)
	}
	c.webhookURL = ch.Config["webhook_url"]
	c.rules = rules{publishChat: ch.Config["publish_chat"]}
	var err error
	if c.pollTimeout, err = conn.LenientDuration(ch.Config, "poll_timeout", 25*time.Second); err != nil {
		return nil, fmt.Errorf("telegram: bad poll_timeout: %w", err)
	}
	if c.bo.Min, err = conn.LenientDuration(ch.Config, "backoff", time.Second); err != nil {
		return nil, fmt.Errorf("telegram: bad backoff: %w", err)
	}
	if c.bo.Max, err = conn.LenientDuration(ch.Config, "backoff_max", 2*time.Minute); err != nil {
		return nil, fmt.Errorf("telegram: bad backoff_max: %w", err)
	}
	if c.deps.HTTP == nil {
		c.deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if c.deps.Now == nil {
		c.deps.Now = time.Now
	}
	c.source = "telegram:" + strconv.FormatInt(ch.ID, 10) + ":updates"
	return c, nil
}

// envelope is every Bot API response.
type envelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter      int   `json:"retry_after"`
		MigrateToChatID int64 `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// call invokes a Bot API method with a JSON body. The error is always a
// *connector.Error; the token never appears in it.
func (c *Connector) call(ctx context.Context, method string, params any, out any, client *http.Client) error {
	body, err := json.Marshal(params)
	if err != nil {
		return &connector.Error{Class: connector.Invalid, Platform: post.Telegram, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.apiURL+"/bot"+c.token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return &connector.Error{Class: connector.Invalid, Platform: post.Telegram, Message: "bad api_url"}
	}
	req.Header.Set("Content-Type", "application/json")
	if client == nil {
		client = c.deps.HTTP
	}
	resp, wrote, err := conn.DoTracked(client, req)
	if err != nil {
		cls := connector.Retryable
		if wrote && method == "sendMessage" {
			cls = connector.Unknown
		}
		// url.Error carries the URL with the token: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &connector.Error{Class: cls, Platform: post.Telegram, Message: method + " failed", Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		cls := connector.Retryable
		if method == "sendMessage" {
			cls = connector.Unknown
		}
		return &connector.Error{Class: cls, Platform: post.Telegram, Status: resp.StatusCode, Err: err}
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		cls := connector.Retryable
		if resp.StatusCode < 500 && method == "sendMessage" && resp.StatusCode == 200 {
			cls = connector.Unknown
		}
		return &connector.Error{Class: cls, Platform: post.Telegram, Status: resp.StatusCode, Message: "response is not a Bot API envelope"}
	}
	if env.OK && resp.StatusCode == http.StatusOK {
		if out != nil {
			if err := json.Unmarshal(env.Result, out); err != nil {
				return &connector.Error{Class: connector.Unknown, Platform: post.Telegram, Status: resp.StatusCode, Err: err}
			}
		}
		return nil
	}
	return classify(resp.StatusCode, env)
}

// classify maps a failed envelope to an error class. The HTTP status and
// parameters are the signal; description is only shown.
func classify(status int, env envelope) *connector.Error {
	code := env.ErrorCode
	if code == 0 {
		code = status
	}
	e := &connector.Error{Platform: post.Telegram, Status: status, Code: strconv.Itoa(code), Message: env.Description}
	switch {
	case code == 429:
		e.Class = connector.RateLimited
		if env.Parameters != nil && env.Parameters.RetryAfter > 0 {
			e.RetryAfter = time.Duration(env.Parameters.RetryAfter) * time.Second
		} else {
			e.RetryAfter = 5 * time.Second
		}
	case code == 401 || code == 404: // revoked token; 404 is a wrong token path
		e.Class = connector.AuthExpired
	case code == 400 || code == 403 || code == 409:
		e.Class = connector.Permanent
		if env.Parameters != nil && env.Parameters.MigrateToChatID != 0 {
			e.Message += " (migrated to chat " + strconv.FormatInt(env.Parameters.MigrateToChatID, 10) + ")"
		}
	case code >= 500:
		e.Class = connector.Retryable
	default:
		e.Class = connector.Permanent
	}
	return e
}

// Check calls getMe.
func (c *Connector) Check(ctx context.Context) error {
	var me User
	if err := c.call(ctx, "getMe", struct{}{}, &me, nil); err != nil {
		c.health.Fail(err)
		return err
	}
	c.botMu.Lock()
	c.botID, c.botUser = me.ID, me.Username
	c.botMu.Unlock()
	return nil
}

func (c *Connector) bot() int64 {
	c.botMu.Lock()
	defer c.botMu.Unlock()
	return c.botID
}

// Health reports the channel's state.
func (c *Connector) Health() connector.Health { return c.health.Snapshot() }

// Run polls getUpdates, or in webhook mode registers the webhook and waits.
func (c *Connector) Run(ctx context.Context) error {
	// getMe tells replies to our bot apart from plain mentions; without it
	// any reply to a bot counts as a reply.
	if err := c.Check(ctx); err != nil && ctx.Err() == nil {
		c.deps.Log.Warn("telegram: getMe failed", "err", err)
	}
	if c.mode == "webhook" {
		if c.webhookURL != "" {
			params := map[string]any{"url": c.webhookURL, "secret_token": c.secret, "allowed_updates": allowedUpdates}
			if err := c.call(ctx, "setWebhook", params, nil, nil); err != nil {
				c.health.Fail(err)
				return fmt.Errorf("telegram: unable to set webhook: %w", err)
			}
		}
		c.health.Connected(true)
		<-ctx.Done()
		c.health.Connected(false)
		return nil
	}
	defer c.health.Connected(false)
	offset := int64(0)
	if cp, err := c.deps.Checkpoints.LoadCheckpoint(ctx, c.source); err != nil {
		return fmt.Errorf("telegram: unable to load checkpoint: %w", err)
	} else if v := cp["offset"]; v != "" {
		if offset, err = strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Errorf("telegram: bad checkpoint offset %q: %w", v, err)
		}
	}
	// Long polls hold the request open for poll_timeout: use a client whose
	// timeout is longer than that instead of the shared 30 s one.
	pollClient := *c.deps.HTTP
	pollClient.Timeout = c.pollTimeout + 30*time.Second
	for ctx.Err() == nil {
		next, err := c.pollOnce(ctx, offset, &pollClient)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.health.Fail(err)
			c.health.Connected(false)
			wait := c.bo.Next()
			var ce *connector.Error
			if errors.As(err, &ce) && ce.Class == connector.RateLimited {
				wait = ce.RetryAfter
				c.health.RetryAfter(wait)
			}
			c.deps.Log.Warn("telegram: poll failed", "err", err, "retry_in", wait)
			if conn.Sleep(ctx, wait) != nil {
				return nil
			}
			continue
		}
		c.bo.Reset()
		offset = next
	}
	return nil
}

var allowedUpdates = []string{"message", "edited_message", "channel_post", "edited_channel_post", "business_message",
	"edited_business_message", "deleted_business_messages"}

// pollOnce fetches one batch, hands it to intake and only then persists the
// new offset. Returns the offset for the next call.
func (c *Connector) pollOnce(ctx context.Context, offset int64, client *http.Client) (int64, error) {
	params := map[string]any{"timeout": int(c.pollTimeout / time.Second), "allowed_updates": allowedUpdates}
	if offset != 0 {
		params["offset"] = offset
	}
	var raws []json.RawMessage
	if err := c.call(ctx, "getUpdates", params, &raws, client); err != nil {
		return offset, err
	}
	c.health.Connected(true)
	if len(raws) == 0 {
		return offset, nil
	}
	next := offset
	posts := make([]post.Post, 0, len(raws))
	var changes []post.Change
	for _, raw := range raws {
		u, err := DecodeUpdate(raw)
		if err != nil {
			c.health.Fail(err) // skip it, but still confirm it: it would never decode
			var probe struct {
				UpdateID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &probe) == nil && probe.UpdateID >= next {
				next = probe.UpdateID + 1
			}
			continue
		}
		if u.UpdateID >= next {
			next = u.UpdateID + 1
		}
		ps, cs := c.read(u, raw)
		posts, changes = append(posts, ps...), append(changes, cs...)
	}
	if len(posts) > 0 {
		if err := c.deps.Sink.Ingest(ctx, posts); err != nil {
			return offset, fmt.Errorf("telegram: intake refused batch: %w", err)
		}
		c.health.Arrived(c.deps.Now(), posts[len(posts)-1].CreatedAt)
	}
	if err := c.applyChanges(ctx, changes); err != nil {
		return offset, fmt.Errorf("telegram: intake refused edits: %w", err)
	}
	if err := c.deps.Checkpoints.SaveCheckpoint(ctx, c.source, map[string]string{"offset": strconv.FormatInt(next, 10)}); err != nil {
		return offset, fmt.Errorf("telegram: unable to save offset: %w", err)
	}
	return next, nil
}

// read turns one update into a new post, or the edit or deletions of
// stored ones; an update that carries neither is counted as ignored.
func (c *Connector) read(u Update, raw []byte) ([]post.Post, []post.Change) {
	now := c.deps.Now().UTC()
	if ds := Deletions(u, raw, now); len(ds) > 0 {
		return nil, ds
	}
	p, ok := Normalize(u, raw, c.channelName(), c.bot())
	if !ok {
		conn.Ignored(c.health, post.Telegram, 1) // an update type we do not store
		return nil, nil
	}
	p.ReceivedAt = now
	if u.IsEdit() {
		return nil, []post.Change{Edit(u, p)}
	}
	return []post.Post{p}, nil
}

// applyChanges hands edits and deletions to the intake; a sink that takes
// none counts them as ignored.
func (c *Connector) applyChanges(ctx context.Context, cs []post.Change) error {
	err := connector.ApplyChanges(ctx, c.deps.Sink, cs)
	if errors.Is(err, connector.ErrNoChangeSink) {
		conn.Ignored(c.health, post.Telegram, len(cs))
		return nil
	}
	return err
}

// channelName is our side as Telegram names it: the bot's @username
// once getMe answered, else the configured channel name.
func (c *Connector) channelName() string {
	c.botMu.Lock()
	user := c.botUser
	c.botMu.Unlock()
	if user != "" {
		return user
	}
	if c.ch.Name != "" {
		return c.ch.Name
	}
	return strconv.FormatInt(c.ch.ID, 10)
}

// SecretHeader carries the webhook's secret_token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Webhook returns the handler for Telegram's pushes (nil in poll mode): it
// answers 200 only after intake made the update durable, so Telegram
// redelivers otherwise.
func (c *Connector) Webhook() http.Handler {
	if c.mode != "webhook" {
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		log := c.deps.Log
		got := r.Header.Get(SecretHeader)
		if got == "" {
			conn.Refuse(w, r, log, c.health, post.Telegram, conn.ReasonMissingSignature, http.StatusUnauthorized, "missing secret token")
			return
		}
		if c.secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(c.secret)) != 1 {
			conn.Refuse(w, r, log, c.health, post.Telegram, conn.ReasonBadSignature, http.StatusForbidden, "bad secret token")
			return
		}
		body, err := conn.ReadWebhook(w, r, maxUpdateBytes)
		if err != nil {
			conn.RefuseRead(w, r, log, c.health, post.Telegram, err)
			return
		}
		u, err := DecodeUpdate(body)
		if err != nil {
			conn.RefuseMalformed(w, r, log, c.health, post.Telegram, err)
			return
		}
		ps, cs := c.read(u, body)
		if len(ps) > 0 {
			if err := c.deps.Sink.Ingest(r.Context(), ps); err != nil {
				c.health.Fail(err)
				http.Error(w, "intake unavailable", http.StatusServiceUnavailable)
				return
			}
			c.health.Arrived(c.deps.Now(), ps[0].CreatedAt)
		}
		if err := c.applyChanges(r.Context(), cs); err != nil {
			c.health.Fail(err)
			http.Error(w, "intake unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	})
}

type replyParameters struct {
	MessageID                int64 `json:"message_id"`
	AllowSendingWithoutReply bool  `json:"allow_sending_without_reply"`
}

type sendParams struct {
	ChatID             string           `json:"chat_id"`
	MessageThreadID    int64            `json:"message_thread_id,omitempty"`
	Text               string           `json:"text"`
	ReplyParameters    *replyParameters `json:"reply_parameters,omitempty"`
	LinkPreviewOptions map[string]bool  `json:"link_preview_options,omitempty"`
}

func checkText(s string) error {
	n := len(utf16.Encode([]rune(s)))
	switch {
	case strings.TrimSpace(s) == "":
		return connector.Refuse(post.Telegram, connector.FieldText, "text is empty")
	case n > MaxText:
		return connector.Refuse(post.Telegram, connector.FieldText, fmt.Sprintf("text is %d UTF-16 units, limit %d", n, MaxText))
	}
	return nil
}

func init() {
	connector.RegisterValidator(post.Telegram, func(ch connector.Channel) (connector.Validator, error) {
		return rules{publishChat: ch.Config["publish_chat"]}, nil
	})
}

// rules are Telegram's checks of an outgoing message that need no
// network; the Connector embeds them (connector.Validator).
type rules struct {
	publishChat string // the channel the bot posts to (config publish_chat)
}

// parent splits a reply target: t.ParentID is "chat:message" as produced
// by Normalize, or a bare message id with the chat in t.Recipient.
func parent(t connector.Target) (chat string, msg int64, err error) {
	chat, id, ok := strings.Cut(t.ParentID, ":")
	if !ok {
		chat, id = t.Recipient, t.ParentID
	}
	msg, perr := strconv.ParseInt(id, 10, 64)
	if perr != nil || chat == "" {
		return "", 0, connector.Refuse(post.Telegram, connector.FieldTarget, "parent id must be chat:message, got "+strconv.Quote(t.ParentID))
	}
	return chat, msg, nil
}

// ValidateReply checks a reply.
func (rules) ValidateReply(t connector.Target, m connector.Message) error {
	if err := conn.NoMedia(post.Telegram, m); err != nil {
		return err
	}
	if err := checkText(m.Text); err != nil {
		return err
	}
	_, _, err := parent(t)
	return err
}

// ValidatePublish checks a post to publish_chat.
func (r rules) ValidatePublish(m connector.Message) error {
	if err := conn.NoMedia(post.Telegram, m); err != nil {
		return err
	}
	if r.publishChat == "" {
		return connector.Refuse(post.Telegram, "", "no publish_chat configured: the bot has no channel to post to")
	}
	return checkText(m.Text)
}

// Reply answers a message in its own chat and topic. t.ParentID is
// "chat:message" as produced by Normalize; t.ThreadID may be "chat:topic".
func (c *Connector) Reply(ctx context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	if err := c.ValidateReply(t, m); err != nil {
		return connector.Result{}, err
	}
	chat, msgN, _ := parent(t)
	p := sendParams{ChatID: chat, Text: m.Text, ReplyParameters: &replyParameters{MessageID: msgN, AllowSendingWithoutReply: true}}
	if tc, topic, ok := strings.Cut(t.ThreadID, ":"); ok && tc == chat {
		if n, err := strconv.ParseInt(topic, 10, 64); err == nil {
			p.MessageThreadID = n
		}
	}
	return c.send(ctx, p)
}

// Publish posts to the configured publish_chat (a channel the bot admins).
func (c *Connector) Publish(ctx context.Context, m connector.Message) (connector.Result, error) {
	if err := c.ValidatePublish(m); err != nil {
		return connector.Result{}, err
	}
	return c.send(ctx, sendParams{ChatID: c.publishChat, Text: m.Text})
}

func (c *Connector) send(ctx context.Context, p sendParams) (connector.Result, error) {
	var sent Message
	if err := c.call(ctx, "sendMessage", p, &sent, nil); err != nil {
		c.health.Fail(err)
		return connector.Result{}, err
	}
	res := connector.Result{ExternalID: msgID(sent.Chat.ID, sent.MessageID)}
	if sent.Chat.Username != "" {
		res.URL = "https://t.me/" + sent.Chat.Username + "/" + strconv.FormatInt(sent.MessageID, 10)
	}
	return res, nil
}
