package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
	"github.com/kaval-desk/kaval/internal/store"
)

// Listening queries through the API on a whole desk: who may write,
// approve and read them, live parse errors, the history preview, and
// matching in the pipeline once (and only once) a supervisor approved.
func TestListeningQueriesEndToEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		var saved query.Saved
		body := map[string]string{"name": "Snatching in Koramangala", "query": `(snatch* OR "chain snatching" OR ಸರಗಳ್ಳತನ) near:Koramangala`,
			"purpose": "Chain snatching reports around Koramangala for the station's night patrols"}
		if code := ta.call(t, "agent", "POST", "/api/v1/queries", body, nil); code != http.StatusForbidden {
			t.Fatalf("agent create: %d", code)
		}
		if code := ta.call(t, "analyst", "POST", "/api/v1/queries", body, &saved); code != http.StatusCreated || saved.Pending == nil {
			t.Fatalf("analyst create: %d %+v", code, saved)
		}
		var bad struct {
			Error struct{ Code, Field, Message string }
		}
		if code := ta.call(t, "analyst", "POST", "/api/v1/queries", map[string]string{"name": "Broken", "query": "theft AND",
			"purpose": "A purpose long enough to pass"}, &bad); code != http.StatusUnprocessableEntity || bad.Error.Code != "invalid_query" ||
			!strings.Contains(bad.Error.Message, "column 10") {
			t.Fatalf("bad query: %d %+v", code, bad)
		}
		var parsed struct {
			OK    bool
			Error *query.Error
		}
		if code := ta.call(t, "analyst", "POST", "/api/v1/queries/parse", map[string]string{"query": "lang:kn platform:orkut"}, &parsed); code != 200 ||
			parsed.OK || parsed.Error == nil || parsed.Error.Column != 9 {
			t.Fatalf("parse: %d %+v", code, parsed)
		}
		// Two posts before approval, one of them a match; nothing is
		// recorded for a query no one approved.
		put := func(id, text string) {
			var ir intakeResp
			p := post.Post{Platform: post.X, ExternalID: id, Kind: post.KindMention, Author: post.Author{ExternalID: "u" + id, Handle: "citizen" + id},
				Text: text, CreatedAt: time.Now()}
			if code := ta.call(t, "admin", "POST", "/api/v1/posts", map[string]any{"posts": []post.Post{p}}, &ir); code != 200 || ir.Stored != 1 {
				t.Fatalf("intake: %d %+v", code, ir)
			}
			ta.waitSettled(t)
		}
		put("1", "Chain snatching near Forum mall Koramangala, call 9845012345")
		put("2", "Chain snatching in Whitefield")
		rev := fmt.Sprint(saved.Pending.ID)
		approve := "/api/v1/queries/" + fmt.Sprint(saved.ID) + "/revisions/" + rev + "/approve"
		if code := ta.call(t, "analyst", "POST", approve, nil, nil); code != http.StatusForbidden {
			t.Fatalf("analyst approve: %d", code)
		}
		// A supervisor's own proposal needs another supervisor.
		var own query.Saved
		if code := ta.call(t, "supervisor", "POST", "/api/v1/queries", map[string]string{"name": "Thefts", "query": "theft",
			"purpose": "Thefts anywhere in the city for the daily brief"}, &own); code != http.StatusCreated {
			t.Fatalf("supervisor create: %d", code)
		}
		var refused struct{ Error struct{ Code string } }
		if code := ta.call(t, "supervisor", "POST", fmt.Sprintf("/api/v1/queries/%d/revisions/%d/approve", own.ID, own.Pending.ID), nil, &refused); code != http.StatusForbidden ||
			refused.Error.Code != "own_revision" {
			t.Fatalf("own approval: %d %+v", code, refused)
		}
		var active query.Saved
		if code := ta.call(t, "supervisor", "POST", approve, map[string]string{"note": "night patrols"}, &active); code != 200 || active.Status != query.StatusActive {
			t.Fatalf("approve: %d %+v", code, active)
		}
		if err := ta.Listener.Reload(t.Context()); err != nil {
			t.Fatal(err)
		}
		put("3", "ಕೋರಮಂಗಲದಲ್ಲಿ ಸರಗಳ್ಳತನ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ")
		put("4", "snatchers at Whitefield again")
		var detail struct {
			Query      query.Saved
			Revisions  []query.Revision
			Matches24h int `json:"matches_24h"`
			Notice     string
		}
		if code := ta.call(t, "analyst", "GET", fmt.Sprintf("/api/v1/queries/%d", saved.ID), nil, &detail); code != 200 ||
			detail.Matches24h != 1 || len(detail.Revisions) != 1 || !strings.Contains(detail.Notice, "lawful protest") {
			t.Fatalf("detail: %d %+v", code, detail)
		}
		// The preview finds the match before approval too, with the
		// phone number redacted for an analyst.
		var prev struct {
			OK    bool
			Count int
			Exact bool
			Posts []post.Post
		}
		if code := ta.call(t, "analyst", "GET", "/api/v1/queries/preview?days=7&q="+urlq(active.Query), nil, &prev); code != 200 ||
			!prev.OK || prev.Count != 2 || !prev.Exact || len(prev.Posts) != 2 {
			t.Fatalf("preview: %d %+v", code, prev)
		}
		for _, p := range prev.Posts {
			if strings.Contains(p.Text, "9845012345") {
				t.Fatalf("preview leaked a phone number to an analyst: %q", p.Text)
			}
		}
		var list []query.Saved
		if code := ta.call(t, "supervisor", "GET", "/api/v1/queries?waiting=true", nil, &list); code != 200 || len(list) != 1 || list[0].ID != own.ID {
			t.Fatalf("waiting: %d %+v", code, list)
		}
		if code := ta.call(t, "station_officer", "GET", "/api/v1/queries", nil, nil); code != http.StatusForbidden {
			t.Fatalf("station officer list: %d", code)
		}
		// The watch floor's JSON: volume from the rollups the pipeline kept,
		// per platform and for the query; spikes (none: no history yet).
		var vol struct {
			Total  int64
			Series []struct {
				Value string
				Total int64
			}
		}
		if code := ta.call(t, "analyst", "GET", "/api/v1/watch/volume?by=platform&interval=day", nil, &vol); code != 200 ||
			vol.Total != 4 || len(vol.Series) != 1 || vol.Series[0].Value != "x" {
			t.Fatalf("volume: %d %+v", code, vol)
		}
		if code := ta.call(t, "analyst", "GET", fmt.Sprintf("/api/v1/watch/volume?query=%d", saved.ID), nil, &vol); code != 200 || vol.Total != 1 {
			t.Fatalf("query volume: %d %+v", code, vol)
		}
		if code := ta.call(t, "analyst", "GET", "/api/v1/watch/volume?by=author", nil, nil); code != http.StatusUnprocessableEntity {
			t.Fatalf("volume by author: %d", code)
		}
		if code := ta.call(t, "agent", "GET", "/api/v1/watch/volume", nil, nil); code != http.StatusForbidden {
			t.Fatalf("agent volume: %d", code)
		}
		var spikes []any
		if code := ta.call(t, "supervisor", "GET", "/api/v1/watch/spikes", nil, &spikes); code != 200 || len(spikes) != 0 {
			t.Fatalf("spikes: %d %v", code, spikes)
		}
	})
}
