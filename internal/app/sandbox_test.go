package app

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/sandbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// countingTransport fails and counts every request the desk makes to the
// outside world (a connector reaching a platform).
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, fmt.Errorf("test: the desk tried to reach %s", r.URL.Host)
}

// liveTables are the live desk's tables a practice shift must never
// touch: posts, cases and their timeline, the outbox, rule runs.
var liveTables = []string{"posts", "cases", "case_events", "authors", "outbox", "rule_runs", "case_tags", "mentions"}

func liveCounts(t *testing.T, db *store.DB) map[string]int {
	out := map[string]int{}
	for _, tb := range liveTables {
		var n int
		if err := db.Read.QueryRow("SELECT count(*) FROM " + tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

// TestSandboxNeverReachesLive works a whole practice shift through the
// API (replies sent and sent for approval, an escalation, a case closed,
// the shift finished and scored) and proves nothing of it reached the
// live desk or a platform: the live tables are as they were, the outbox
// (live and practice) is empty, the desk made no outside request, and
// the practice lives in the session's own database file.
func TestSandboxNeverReachesLive(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		tr := &countingTransport{}
		ta := newTestAppWith(t, db, Config{HTTP: &http.Client{Transport: tr}, SandboxGap: 20 * time.Millisecond})
		// The live desk has work of its own, which must stay as it is.
		if _, err := ta.Intake.Submit(t.Context(), []post.Post{formPost("Live: my bike was stolen near Jayanagar 4th block")}); err != nil {
			t.Fatal(err)
		}
		ta.waitSettled(t)
		before := liveCounts(t, db)

		var info sandbox.Info
		if code := ta.call(t, "agent", "POST", "/api/v1/training/sessions", map[string]any{"scenario": "missing_child", "speed": 10}, &info); code != 201 {
			t.Fatalf("start: %d", code)
		}
		var d sandbox.Desk
		deadline := time.Now().Add(30 * time.Second)
		for {
			if code := ta.call(t, "agent", "GET", fmt.Sprintf("/api/v1/training/sessions/%d", info.ID), nil, &d); code != 200 {
				t.Fatalf("desk: %d", code)
			}
			if d.Info.Arrived == d.Info.Posts {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d practice posts arrived", d.Info.Arrived, d.Info.Posts)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(d.Cases) < 3 || len(d.Stations) == 0 || len(d.Templates) == 0 {
			t.Fatalf("practice desk: %d cases, %d stations, %d templates", len(d.Cases), len(d.Stations), len(d.Templates))
		}
		// Another trainee cannot see or touch it.
		if code := ta.call(t, "supervisor", "GET", fmt.Sprintf("/api/v1/training/sessions/%d", info.ID), nil, nil); code != 404 {
			t.Fatalf("another user's session: %d", code)
		}
		// An analyst does not practise.
		if code := ta.call(t, "analyst", "POST", "/api/v1/training/sessions", map[string]any{"scenario": "missing_child", "speed": 10}, nil); code != 403 {
			t.Fatalf("analyst: %d", code)
		}
		base := fmt.Sprintf("/api/v1/training/sessions/%d/cases/", info.ID)
		c := d.Cases
		for _, step := range []struct {
			path string
			body any
			want int
		}{
			{fmt.Sprint(c[0].ID, "/reply"), map[string]any{"template_id": d.Templates[0].ID, "lang": "en"}, 204},
			{fmt.Sprint(c[1].ID, "/reply"), map[string]any{"text": "We are on it; please share the exact location.", "lang": "kn", "for_approval": true}, 204},
			{fmt.Sprint(c[2].ID, "/escalate"), map[string]any{"unit_id": d.Stations[0].ID, "note": "Please send a patrol."}, 204},
			{fmt.Sprint(c[len(c)-1].ID, "/close"), nil, 204},
			{fmt.Sprint(c[0].ID, "/reply"), map[string]any{"lang": "fr", "text": "x"}, 422},
			{fmt.Sprint(c[0].ID, "/reply"), map[string]any{"lang": "en"}, 422},
			{"999999/reply", map[string]any{"lang": "en", "text": "x"}, 404},
		} {
			if code := ta.call(t, "agent", "POST", base+step.path, step.body, nil); code != step.want {
				t.Fatalf("%s: %d, want %d", step.path, code, step.want)
			}
		}
		// The practice is in the session's own file, outbox empty there too.
		file := filepath.Join(ta.cfg.DataDir, "sandbox", fmt.Sprintf("session-%d.db", info.ID))
		sdb, err := store.Open(t.Context(), "sqlite:"+file)
		if err != nil {
			t.Fatal(err)
		}
		var replies, outbox, cases int
		sdb.Read.QueryRow("SELECT count(*) FROM case_events WHERE kind = $1", desk.EventReplyQueued).Scan(&replies)
		sdb.Read.QueryRow("SELECT count(*) FROM outbox").Scan(&outbox)
		sdb.Read.QueryRow("SELECT count(*) FROM cases").Scan(&cases)
		sdb.Close()
		if replies != 2 || outbox != 0 || cases != len(d.Cases) {
			t.Fatalf("practice database: %d replies, %d outbox items, %d cases (want 2, 0, %d)", replies, outbox, cases, len(d.Cases))
		}
		var done sandbox.Info
		if code := ta.call(t, "agent", "POST", fmt.Sprintf("/api/v1/training/sessions/%d/finish", info.ID), nil, &done); code != 200 {
			t.Fatalf("finish: %d", code)
		}
		if done.Status != sandbox.StatusFinished || done.Scores == nil || done.Scores.Answered == nil || done.Scores.Replies != 2 || done.Scores.Escalations != 1 {
			t.Fatalf("scores: %+v %+v", done, done.Scores)
		}
		if code := ta.call(t, "agent", "POST", base+fmt.Sprint(c[0].ID, "/close"), nil, nil); code != 422 {
			t.Fatalf("acting on a finished shift: %d", code)
		}
		var all []sandbox.Info
		if code := ta.call(t, "supervisor", "GET", "/api/v1/training/sessions?all=true", nil, &all); code != 200 || len(all) != 1 || all[0].Scores == nil {
			t.Fatalf("supervisor's view of scores: %d %+v", code, all)
		}
		if code := ta.call(t, "agent", "GET", "/api/v1/training/sessions?all=true", nil, nil); code != 403 {
			t.Fatalf("an agent listed everyone's scores: %d", code)
		}

		// Nothing reached the live desk or a platform.
		if after := liveCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("live tables changed: before %v, after %v", before, after)
		}
		if n := tr.n.Load(); n != 0 {
			t.Fatalf("the desk made %d outside requests during practice", n)
		}
		// The practice database is deleted with the finished shift.
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Fatalf("the finished shift's database is still there: %v", err)
		}
	})
}
