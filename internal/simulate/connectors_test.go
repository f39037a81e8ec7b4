package simulate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/meta"
	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp"
	"github.com/kaval-desk/kaval/internal/connector/x"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

type sink struct {
	mu    sync.Mutex
	posts []post.Post
}

func (s *sink) Ingest(_ context.Context, ps []post.Post) error {
	s.mu.Lock()
	s.posts = append(s.posts, ps...)
	s.mu.Unlock()
	return nil
}

// TestRealConnectorsAcceptSimulatedTraffic points the simulator at the real
// webhook handlers of the platform connectors: every delivery must pass
// their signature checks and decode into posts carrying the generated text.
func TestRealConnectorsAcceptSimulatedTraffic(t *testing.T) {
	s := &sink{}
	deps := connector.Deps{Sink: s}
	xc, err := x.New(connector.Channel{ID: 1, Platform: post.X, Config: map[string]string{"user_id": "99887766", "handle": "BlrCityPolice", "mode": "webhook"},
		Secrets: map[string]string{"consumer_secret": "x-consumer-secret"}}, deps)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := meta.New(connector.Channel{ID: 2, Platform: post.Facebook, Config: map[string]string{"page_id": "101112131415161", "ig_user_id": "17841400000000001"},
		Secrets: map[string]string{"app_secret": "meta-app-secret", "page_token": "p"}}, deps)
	if err != nil {
		t.Fatal(err)
	}
	wc, err := whatsapp.New(connector.Channel{ID: 3, Platform: post.WhatsApp, Config: map[string]string{"phone_number_id": "106540352242922"},
		Secrets: map[string]string{"app_secret": "wa-app-secret", "token": "t"}}, deps)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := telegram.New(connector.Channel{ID: 4, Platform: post.Telegram, Config: map[string]string{"mode": "webhook"},
		Secrets: map[string]string{"bot_token": "123:abc", "webhook_secret": "tg-secret_token"}}, deps)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/hooks/1", xc.Webhook())
	mux.Handle("/hooks/2", mc.Webhook())
	mux.Handle("/hooks/3", wc.Webhook())
	mux.Handle("/hooks/4", tc.Webhook())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var mu sync.Mutex
	sent := map[string][]scenario.Event{} // platform + text → events (texts repeat: rumours, templates)
	rep, err := Run(context.Background(), Config{Target: srv.URL, Rate: 100000, Count: 300, Seed: 4, Workers: 4,
		Channels: testChannels(),
		OnEvent: func(e scenario.Event) {
			mu.Lock()
			k := e.Platform + "\x00" + e.Text
			sent[k] = append(sent[k], e)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accepted != rep.Requests || rep.Requests < 300 {
		t.Fatalf("connectors refused simulated traffic: %+v %v %s", rep.Counts, rep.Statuses, rep.FirstError)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	byPlatform := map[string]int{}
	matched, located := 0, 0
	for _, p := range s.posts {
		byPlatform[p.Platform]++
		cands := sent[p.Platform+"\x00"+p.Text]
		if len(cands) == 0 {
			continue // location-only Telegram messages carry no text
		}
		matched++
		allDM, allReply := true, true
		for _, e := range cands {
			allDM = allDM && e.Kind == post.KindDirectMessage
			allReply = allReply && e.ReplyTo != "" && e.Kind != post.KindDirectMessage
		}
		if allDM && !p.Private {
			t.Errorf("%s DM not private: %q", p.Platform, p.Text)
		}
		if allReply && p.InReplyTo == "" {
			t.Errorf("%s reply lost its parent: %q", p.Platform, p.Text)
		}
		if p.Lat != nil {
			located++
		}
	}
	if located == 0 {
		t.Error("no post carries a location")
	}
	for _, p := range webhookPlatforms {
		if byPlatform[p] == 0 {
			t.Errorf("no %s posts reached the sink (%v)", p, byPlatform)
		}
	}
	if matched < 290 {
		t.Fatalf("only %d of 300 event texts came out of the connectors (%v)", matched, byPlatform)
	}
}
