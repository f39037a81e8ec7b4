package publish_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/meta/metafake"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
)

// A Facebook Page's posts report reactions, comments, shares and reach
// through the same pull as the other platforms, per post and per
// campaign (the local Graph fake serves the real shapes).
func TestFacebookEngagementPulled(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		fake := metafake.New(metafake.Options{AppSecret: "app-secret", PageToken: "page-token"})
		t.Cleanup(fake.Close)
		id, c := live(t, db, e.clk.Now, "facebook", map[string]string{"graph_url": fake.GraphURL(), "page_id": fake.PageID(), "reconcile_every": "24h"},
			map[string]string{"app_secret": "app-secret", "page_token": "page-token"})
		// The service checks versions against the stored account's settings.
		if _, err := db.Write.Exec(`UPDATE channels SET config = $1 WHERE id = $2`, `{"page_id":"`+fake.PageID()+`"}`, id); err != nil {
			t.Fatal(err)
		}
		snd := senders{id: c}
		camp, err := e.s.SaveCampaign(ctx, e.sup1, publish.Campaign{Name: "Vanitha Sahayavani week", Goal: "Every woman in the city knows 1091"})
		if err != nil {
			t.Fatal(err)
		}
		var pubs []int64
		for _, text := range []string{"Vanitha Sahayavani 1091 answers day and night.", "Women in distress: call 1091 or 112."} {
			p, err := e.s.Create(ctx, e.agent, publish.Draft{Title: text[:20], CampaignID: camp.ID, Texts: map[string]string{"en": text},
				Versions: []publish.VersionIn{{ChannelID: id, Lang: "en"}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.Submit(ctx, e.agent, p.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.s.Approve(ctx, e.sup1, p.ID, ""); err != nil {
				t.Fatal(err)
			}
			pubs = append(pubs, p.ID)
		}
		w := outbox.NewWorker(e.ob, snd, outbox.WorkerOptions{Now: e.clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), SendTimeout: 5 * time.Second})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for i, pid := range pubs {
			p, _ := e.s.Get(ctx, pid)
			if len(p.Versions) != 1 || len(p.Versions[0].Sends) != 1 || p.Versions[0].Sends[0].State != "sent" {
				t.Fatalf("not sent: %+v", p.Versions)
			}
			if !fake.SetPostMetrics(p.Versions[0].Sends[0].ExternalID, int64(100*(i+1)), int64(10*(i+1)), int64(i), int64(1000*(i+1))) {
				t.Fatal("the fake does not know our post")
			}
		}
		if n, err := e.s.PullMetrics(ctx, snd); err != nil || n != 2 {
			t.Fatalf("pulled %d: %v", n, err)
		}
		r, err := e.s.Results(ctx, pubs[1])
		if err != nil || len(r.Posts) != 1 || r.Posts[0].Metrics != (connector.Metrics{Likes: 200, Replies: 20, Reposts: 1, Quotes: -1, Reach: 2000, Impressions: -1}) {
			t.Fatalf("post results: %+v %v", r, err)
		}
		cr, err := e.s.CampaignResults(ctx, camp.ID)
		if err != nil || cr.Total != (connector.Metrics{Likes: 300, Replies: 30, Reposts: 1, Quotes: -1, Reach: 3000, Impressions: -1}) {
			t.Fatalf("campaign: %+v %v", cr.Total, err)
		}
	})
}
