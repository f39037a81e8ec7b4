// Package demo gives a newcomer a live desk within seconds: it starts local
// fake servers that speak the real X, Meta, WhatsApp and Telegram APIs,
// connects demo channels to them, and drives realistic citizen traffic at
// the desk's webhooks in each platform's signed wire format. Replies the
// desk sends go to the fakes, never to a real platform.
package demo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
	"github.com/kaval-desk/kaval/internal/store"
)

// Account ids the fakes answer to; the simulator signs deliveries for them.
const (
	xUserID    = "99887766"
	xHandle    = "BlrCityPolice"
	pageID     = "101112131415161"
	igUserID   = "17841400000000001"
	phoneID    = "106540352242922"
	namePrefix = "Demo · "
)

// Platforms is what a demo run drives.
type Platforms struct {
	fakes  []interface{ Close() }
	secret string
	ids    map[string]int64 // platform → channel id
	db     *store.DB
	x      *xfake.Server
	meta   *metafake.Server
	wa     *wafake.Server
	tg     *tgfake.Server
}

// Close stops the fake servers.
func (p *Platforms) Close() {
	for _, f := range p.fakes {
		f.Close()
	}
}

// Setup starts the fakes and creates (or, on a later run, repoints) one
// demo channel per platform, then asks the manager to start them.
func Setup(ctx context.Context, db *store.DB, st *channel.Store, m *channel.Manager) (*Platforms, error) {
	b := make([]byte, 16)
	rand.Read(b)
	secret := hex.EncodeToString(b)
	p := &Platforms{secret: secret, ids: map[string]int64{}, db: db}
	xf := xfake.New(xfake.Options{ConsumerSecret: secret, UserID: xUserID, Handle: xHandle})
	mf := metafake.New(metafake.Options{AppSecret: secret, PageID: pageID, IGUserID: igUserID, VerifyToken: "demo"})
	wf := wafake.New(wafake.Options{AppSecret: secret, VerifyToken: "demo", PhoneNumberID: phoneID})
	tf := tgfake.New("demo-bot-token")
	p.fakes = append(p.fakes, xf, mf, wf, tf)
	p.x, p.meta, p.wa, p.tg = xf, mf, wf, tf

	specs := []channel.Spec{
		{Platform: post.X, Name: namePrefix + "X @" + xHandle,
			Config:  map[string]string{"base_url": xf.URL(), "mode": "webhook", "user_id": xUserID, "handle": xHandle},
			Secrets: channel.Secrets{"consumer_secret": secret, "user_access_token": "demo", "bearer_token": "demo"}},
		{Platform: post.Facebook, Name: namePrefix + "Facebook, Messenger and Instagram",
			Config:  map[string]string{"graph_url": mf.GraphURL(), "page_id": pageID, "ig_user_id": igUserID, "verify_token": "demo"},
			Secrets: channel.Secrets{"app_secret": secret, "page_token": "demo", "verify_token": "demo"}},
		{Platform: post.WhatsApp, Name: namePrefix + "WhatsApp helpline",
			Config:  map[string]string{"graph_url": wf.GraphURL(), "phone_number_id": phoneID, "verify_token": "demo"},
			Secrets: channel.Secrets{"app_secret": secret, "token": "demo", "verify_token": "demo"}},
		{Platform: post.Telegram, Name: namePrefix + "Telegram bot",
			Config:  map[string]string{"api_url": tf.URL(), "mode": "webhook"},
			Secrets: channel.Secrets{"bot_token": "demo-bot-token", "webhook_secret": secret}},
	}
	existing, err := st.List(ctx)
	if err != nil {
		p.Close()
		return nil, err
	}
	byName := map[string]channel.Channel{}
	for _, c := range existing {
		byName[c.Name] = c
	}
	for _, sp := range specs {
		if c, ok := byName[sp.Name]; ok {
			// The fakes listen on new ports each run: repoint the channel.
			if _, err := st.Update(ctx, c.ID, channel.Patch{Config: sp.Config, SetSecrets: sp.Secrets}); err != nil {
				p.Close()
				return nil, err
			}
			if c.Status != channel.Active {
				st.Resume(ctx, c.ID)
			}
			p.ids[sp.Platform] = c.ID
			continue
		}
		c, err := st.Create(ctx, sp)
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("demo: unable to create channel %q: %w", sp.Name, err)
		}
		p.ids[sp.Platform] = c.ID
	}
	if err := m.Sync(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Opening is the demo's first act: a flood in Koramangala, reported in
// every language the city writes in, so the README's first search
// (posts?q=ಕೋರಮಂಗಲ) finds posts within the first minute instead of after
// the usual mix has happened to name the place in Kannada script.
var Opening = scenario.Burst{Theme: scenario.ThemeFlood, Place: "Koramangala", Start: 0, Duration: 2 * time.Minute, Share: 0.5}

// Traffic runs the simulator against the desk at baseURL until ctx ends.
// Each run continues the last one: seed 0 takes the next run's seed, and
// platform ids always start past those any earlier run used (both kept in
// the database), so a restarted demo brings new citizens and new posts at
// once instead of replaying the first run's posts as duplicates. A seed
// other than 0 replays that seed's texts, still under new ids.
func (p *Platforms) Traffic(ctx context.Context, baseURL string, rate float64, seed uint64) (simulate.Report, error) {
	cur, err := p.reserve(ctx, seed == 0)
	if err != nil {
		return simulate.Report{}, err
	}
	if seed == 0 {
		seed = cur.Run
	}
	id := func(platform string) string { return strconv.FormatInt(p.ids[platform], 10) }
	var mu sync.Mutex
	limit := cur.NextSeq // ids below this are reserved for this run
	first := cur.NextSeq - trafficBlock
	cfg := simulate.Config{
		Target: baseURL, Rate: rate, Duration: 365 * 24 * time.Hour, Seed: seed, FirstSeq: first, Token: p.secret,
		Channels: map[string]simulate.Channel{
			post.X:         {ChannelID: id(post.X), AccountID: xUserID, Handle: xHandle},
			post.Facebook:  {ChannelID: id(post.Facebook), AccountID: pageID},
			post.Messenger: {ChannelID: id(post.Facebook), AccountID: pageID},
			post.Instagram: {ChannelID: id(post.Facebook), AccountID: igUserID},
			post.WhatsApp:  {ChannelID: id(post.WhatsApp), PhoneNumberID: phoneID},
			post.Telegram:  {ChannelID: id(post.Telegram)},
		},
		Workers:     4,
		ForceHandle: xHandle,
		Bursts:      []scenario.Burst{Opening},
		OnItem:      p.Know,
		// Before an event would use an id past the reservation, reserve
		// the next block: a crash at any point leaves the stored cursor
		// past every id sent.
		OnEvent: func(e scenario.Event) {
			mu.Lock()
			defer mu.Unlock()
			for first+e.Seq >= limit {
				c, err := p.reserve(context.WithoutCancel(ctx), false)
				if err != nil {
					// The next event tries again. Ids sent meanwhile may be
					// reused by a later run, whose posts are then skipped as
					// duplicates: nothing is lost.
					slog.Warn("demo: unable to reserve traffic ids", "err", err)
					return
				}
				limit = c.NextSeq
			}
		},
	}
	return simulate.Run(ctx, cfg)
}

// Deliveries reports, like WhatsApp does, what became of the desk's
// replies: every couple of seconds until ctx ends, the fake's queued
// status callbacks (sent, delivered) go to the desk's WhatsApp webhook
// under baseURL, so a reply on the desk moves on to "Delivered".
func (p *Platforms) Deliveries(ctx context.Context, baseURL string) {
	hook := strings.TrimRight(baseURL, "/") + "/hooks/" + strconv.FormatInt(p.ids[post.WhatsApp], 10)
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.wa.FlushStatuses(ctx, hook); err != nil && ctx.Err() == nil {
				slog.Warn("demo: WhatsApp delivery reports not delivered", "err", err)
			}
		}
	}
}

// Know tells the platform's fake about an item the simulator is about to
// deliver to the desk's webhook, as the real platform knows its own posts:
// a tweet the desk can reply to, a Facebook post or comment, an Instagram
// comment, a Messenger user inside the 24-hour window, a Telegram chat and
// message, a WhatsApp citizen inside the 24-hour window (else the fake
// reports the reply undelivered, as WhatsApp would).
func (p *Platforms) Know(it simulate.Item) {
	switch it.Platform {
	case post.X:
		if it.Kind != post.KindDirectMessage { // a DM is answered to the user, not to a tweet
			p.x.AddTweet(xfake.Tweet{ID: it.ID, Text: it.Text, AuthorID: it.AuthorID, Username: it.AuthorHandle, Name: it.AuthorName,
				InReplyToID: it.ParentID, CreatedAt: it.At.UTC()})
		}
	case post.Facebook:
		kind := "comment"
		if it.Kind == post.KindPost {
			kind = "post"
		}
		p.meta.AddObject(it.ID, kind)
	case post.Instagram:
		p.meta.AddObject(it.ID, "ig_comment")
	case post.Messenger:
		p.meta.NoteInbound(it.AuthorID, it.At)
	case post.WhatsApp:
		p.wa.NoteInbound(it.AuthorID, it.At)
	case post.Telegram:
		chat, err := strconv.ParseInt(it.ChatID, 10, 64)
		msg, err2 := strconv.ParseInt(it.ID, 10, 64)
		if err == nil && err2 == nil {
			p.tg.Know(telegram.Chat{ID: chat, Type: it.ChatType, Title: it.ChatTitle}, msg)
		}
	}
}

// trafficBlock is how many event ids one reservation covers.
const trafficBlock = 10_000

// trafficCursor is where the demo's simulated traffic stands, kept in the
// checkpoints table under trafficSource.
type trafficCursor struct {
	Run     uint64 `json:"run"`      // runs started
	NextSeq int64  `json:"next_seq"` // first event id not yet reserved
}

const trafficSource = "demo:traffic"

// reserve moves the cursor one block on (and, for a new run, counts the
// run) and returns it: ids from NextSeq-trafficBlock up are this caller's.
func (p *Platforms) reserve(ctx context.Context, newRun bool) (trafficCursor, error) {
	var cur trafficCursor
	err := p.db.Tx(ctx, func(tx *sql.Tx) error {
		var vals string
		err := tx.QueryRowContext(ctx, "SELECT vals FROM checkpoints WHERE source = $1", trafficSource).Scan(&vals)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if vals != "" {
			if err := json.Unmarshal([]byte(vals), &cur); err != nil {
				return fmt.Errorf("demo: bad traffic cursor %q: %w", vals, err)
			}
		}
		if newRun {
			cur.Run++
		}
		cur.NextSeq += trafficBlock
		b, _ := json.Marshal(cur)
		_, err = tx.ExecContext(ctx, `INSERT INTO checkpoints (source, vals, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (source) DO UPDATE SET vals = excluded.vals, updated_at = excluded.updated_at`,
			trafficSource, string(b), time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return cur, fmt.Errorf("demo: unable to reserve traffic ids: %w", err)
	}
	return cur, nil
}

// Describe lists the demo channels for the console.
func (p *Platforms) Describe() string {
	var parts []string
	for _, pl := range []string{post.X, post.Facebook, post.WhatsApp, post.Telegram} {
		parts = append(parts, fmt.Sprintf("%s (channel %d)", pl, p.ids[pl]))
	}
	return strings.Join(parts, ", ")
}

// APIUser is the demo's own API user: a supervisor whose password nobody
// knows (the API refuses tokens of a user who has not yet replaced a
// one-time password, as the admin must), so the demo can hand out a
// working token at each start.
const APIUser = "demo-api"

// APIToken creates a token of APIUser (creating the user on first run)
// valid for ttl, for the commands the demo prints.
func APIToken(ctx context.Context, as *auth.Service, ttl time.Duration) (string, error) {
	u, err := as.GetUserByUsername(ctx, APIUser)
	if err != nil {
		pw := make([]byte, 24)
		rand.Read(pw)
		if u, _, err = as.CreateUser(ctx, auth.NewUser{Username: APIUser, Name: "Demo API client", Role: auth.RoleSupervisor,
			Password: hex.EncodeToString(pw)}); err != nil {
			return "", fmt.Errorf("demo: unable to create the API user: %w", err)
		}
	}
	_, secret, err := as.CreateToken(ctx, u.ID, "demo "+time.Now().UTC().Format(time.RFC3339), ttl)
	if err != nil {
		return "", fmt.Errorf("demo: unable to create an API token: %w", err)
	}
	return secret, nil
}
