package publish_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
	"github.com/kaval-desk/kaval/internal/connector/mastodon/mastofake"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
)

type senders map[int64]connector.Connector

func (s senders) Sender(id int64) (connector.Sender, error) {
	if c, ok := s[id]; ok {
		return c, nil
	}
	return nil, errors.New("not running")
}

func live(t *testing.T, db *store.DB, now func() time.Time, platform string, cfg, sec map[string]string) (int64, connector.Connector) {
	t.Helper()
	var id int64
	if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, config, created_at, updated_at) VALUES ($1, $2, '{}', 1, 1) RETURNING id`,
		platform, "live "+platform).Scan(&id); err != nil {
		t.Fatal(err)
	}
	c, err := connector.New(connector.Channel{ID: id, Platform: platform, Name: platform, Config: cfg, Secrets: sec},
		connector.Deps{Now: now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return id, c
}

// Engagement is read from each platform's own API (the local fakes serve
// the real payload shapes) for the posts we sent, per post and summed per
// publication and per campaign; a count a platform does not offer stays
// "not offered" rather than zero.
func TestEngagementPulledFromPlatforms(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		pds := bskyfake.New()
		t.Cleanup(pds.Close)
		pds.AddAccount("blrcitypolice.bsky.social", "app-pw")
		masto := mastofake.New("masto-token")
		t.Cleanup(masto.Close)
		xf := xfake.New(xfake.Options{BearerToken: "bearer", UserToken: "user-token"})
		t.Cleanup(xf.Close)
		live := map[string]func() (int64, connector.Connector){
			"bluesky": func() (int64, connector.Connector) {
				return live(t, db, e.clk.Now, "bluesky", map[string]string{"pds_url": pds.URL(), "handle": "blrcitypolice.bsky.social", "sources": "notifications", "poll_interval": "1h"},
					map[string]string{"app_password": "app-pw"})
			},
			"mastodon": func() (int64, connector.Connector) {
				return live(t, db, e.clk.Now, "mastodon", map[string]string{"instance_url": masto.URL(), "poll_interval": "1h", "stream": "none"},
					map[string]string{"access_token": "masto-token"})
			},
			"x": func() (int64, connector.Connector) {
				return live(t, db, e.clk.Now, "x", map[string]string{"mode": "webhook", "base_url": xf.URL()},
					map[string]string{"bearer_token": "bearer", "user_access_token": "user-token", "consumer_secret": "cs"})
			},
		}
		snd := senders{}
		var ids []int64
		for _, p := range []string{"bluesky", "mastodon", "x"} {
			id, c := live[p]()
			snd[id] = c
			ids = append(ids, id)
		}
		camp, err := e.s.SaveCampaign(ctx, e.sup1, publish.Campaign{Name: "Helpline week", Goal: "Every citizen knows 1090, 1098 and 1091"})
		if err != nil {
			t.Fatal(err)
		}
		d := publish.Draft{Title: "Elders helpline", CampaignID: camp.ID, Texts: map[string]string{"en": "Elders Helpline 1090 answers day and night."}}
		for _, id := range ids {
			d.Versions = append(d.Versions, publish.VersionIn{ChannelID: id, Lang: "en"})
		}
		p, err := e.s.Create(ctx, e.agent, d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Submit(ctx, e.agent, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Approve(ctx, e.sup1, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		w := outbox.NewWorker(e.ob, snd, outbox.WorkerOptions{Now: e.clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), SendTimeout: 5 * time.Second})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		p, _ = e.s.Get(ctx, p.ID)
		ext := map[string]string{}
		for _, v := range p.Versions {
			if len(v.Sends) != 1 || v.Sends[0].State != "sent" {
				t.Fatalf("%s not sent: %+v", v.Platform, v.Sends)
			}
			ext[v.Platform] = v.Sends[0].ExternalID
		}
		if !pds.SetCounts(ext["bluesky"], 12, 3, 2, 1) || !masto.SetCounts(ext["mastodon"], 4, 5, 6) || !xf.SetMetrics(ext["x"], 7, 8, 9, 10, 1500) {
			t.Fatalf("the fakes do not know our posts: %v", ext)
		}
		n, err := e.s.PullMetrics(ctx, snd)
		if err != nil || n != 3 {
			t.Fatalf("pulled %d: %v", n, err)
		}
		r, err := e.s.Results(ctx, p.ID)
		if err != nil || len(r.Posts) != 3 {
			t.Fatalf("results: %+v %v", r, err)
		}
		byPlatform := map[string]connector.Metrics{}
		for _, pr := range r.Posts {
			byPlatform[pr.Platform] = pr.Metrics
		}
		want := map[string]connector.Metrics{
			"bluesky":  {Likes: 12, Reposts: 3, Replies: 2, Quotes: 1, Reach: -1, Impressions: -1},
			"mastodon": {Likes: 6, Reposts: 5, Replies: 4, Quotes: -1, Reach: -1, Impressions: -1},
			"x":        {Likes: 9, Reposts: 7, Replies: 8, Quotes: 10, Reach: -1, Impressions: 1500},
		}
		for pl, m := range want {
			if byPlatform[pl] != m {
				t.Errorf("%s: %+v, want %+v", pl, byPlatform[pl], m)
			}
		}
		if tot := r.Total; tot != (connector.Metrics{Likes: 27, Reposts: 15, Replies: 14, Quotes: 11, Reach: -1, Impressions: 1500}) {
			t.Errorf("total %+v", tot)
		}
		// A second pull replaces the readings; the campaign sums them.
		masto.SetCounts(ext["mastodon"], 4, 5, 60)
		if _, err := e.s.PullMetrics(ctx, snd); err != nil {
			t.Fatal(err)
		}
		cr, err := e.s.CampaignResults(ctx, camp.ID)
		if err != nil || cr.Total.Likes != 81 || len(cr.Posts) != 3 {
			t.Fatalf("campaign: %+v %v", cr.Total, err)
		}
	})
}
