package x_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/x"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/query"
)

func TestRuleValues(t *testing.T) {
	long := make([]string, 60)
	for i := range long {
		long[i] = "word" + strings.Repeat("x", i%7) + string(rune('a'+i%26))
	}
	for _, c := range []struct {
		q, state string
		want     []string
		max      int
	}{
		{q: `"chain snatching" OR robbery`, state: query.ListenExact, want: []string{`"chain snatching" OR robbery`}},
		{q: `(theft OR robbery) AND koramangala AND NOT (bike OR cycle)`, state: query.ListenExact, want: []string{`(theft OR robbery) koramangala -bike -cycle`}},
		{q: `#BengaluruRains OR @blrcitypolice OR author:someone`, state: query.ListenExact, want: []string{`#bengalururains OR @blrcitypolice OR from:someone`}},
		{q: `flood AND category:theft`, state: query.ListenWidened, want: []string{`flood`}},
		{q: `fire NEAR/3 building`, state: query.ListenWidened, want: []string{`fire building`}},
		{q: `flood AND NOT (old AND news)`, state: query.ListenWidened, want: []string{`flood`}},
		// X matches whole words: a wildcard or an inflecting Kannada word is
		// asked as written, and X finds fewer posts than the desk would.
		{q: `snatch* OR ಕಳ್ಳತನ`, state: query.ListenPartial, want: []string{`snatch OR ಕಳ್ಳತನ`}},
		// Nothing to search for, or only exclusions: no rule at all.
		{q: `category:theft AND urgency>60`, state: query.ListenUnsearchable},
		{q: `category:theft AND NOT bike`, state: query.ListenUnsearchable},
		{q: `flood AND platform:mastodon`, state: query.ListenNever},
		// Too long for one rule: the OR is split across rules.
		{q: strings.Join(long, " OR "), state: query.ListenExact, max: 120},
		// One AND too long: exclusions and the longest terms are dropped.
		{q: strings.Join(long[:30], " ") + " AND NOT spam", state: query.ListenWidened, max: 100},
	} {
		q, err := query.Parse(c.q)
		if err != nil {
			t.Fatal(err)
		}
		max := c.max
		if max == 0 {
			max = x.DefaultRuleMax
		}
		values, state, _ := x.RuleValues(q.ListenForm(post.X), max)
		if state != c.state || (c.want != nil && !slices.Equal(values, c.want)) {
			t.Errorf("%.60s: got %q %s, want %q %s", c.q, values, state, c.want, c.state)
		}
		for _, v := range values {
			if len([]rune(v)) > max {
				t.Errorf("%.60s: rule of %d characters", c.q, len([]rune(v)))
			}
		}
		if c.max != 0 && c.state == query.ListenExact {
			// The split rules together ask exactly the query's words.
			got := strings.Split(strings.Join(values, " OR "), " OR ")
			if !slices.Equal(got, long) || len(values) < 2 {
				t.Errorf("split: %d rules %q", len(values), values)
			}
		}
	}
}

// Approving, changing and retiring queries reconciles the stream rules:
// only this channel's query rules are touched, rules another process left
// are repaired, X's refusals are reported on their query, a 429 is waited
// out, and a post the stream sends for a query rule is listening material.
func TestSyncListeningRules(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, xfake.Options{KeepAlive: 10 * time.Millisecond, RuleMaxLen: 512})
	sink, cp, lq := conntest.NewSink(), conntest.NewCheckpoints(), conntest.NewListening()
	c, err := connector.New(connector.Channel{ID: 7, Platform: post.X, Config: map[string]string{
		"base_url": f.URL(), "user_id": f.UserID(), "handle": f.Handle(), "mode": "stream", "query": "#bengalurupolice",
		"rate_min_wait": "5ms", "stream_net_step": "1ms", "stream_http_base": "2ms", "listen_interval": "20ms",
		"listen_rule_max": "1024"}, // configured for Enterprise, while the app's tier takes 512
		Secrets: map[string]string{"bearer_token": bearer}}, connector.Deps{Sink: sink, Checkpoints: cp, Listening: lq})
	if err != nil {
		t.Fatal(err)
	}
	xc := c.(*x.Connector)
	// Someone else's rule on the same app, and a stale rule of ours left
	// by an earlier run.
	addRule(t, f, "weather", "other-app")
	addRule(t, f, "old stale value", "kaval:7:q99")

	lq.Set(t, 1, `"chain snatching" OR robbery`)
	lq.Set(t, 2, `flood AND category:theft`)
	lq.Set(t, 3, `category:theft`)
	if err := xc.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ruleSet(f); !slices.Equal(got, []string{
		`kaval:7:q1="chain snatching" OR robbery`, `kaval:7:q2=flood`, `other-app=weather`}) {
		t.Fatalf("rules after the first sync: %q", got)
	}
	for id, want := range map[int64]string{1: query.ListenExact, 2: query.ListenWidened, 3: query.ListenUnsearchable} {
		if r, ok := lq.Report(7, id); !ok || r.State != want || r.Error != "" {
			t.Fatalf("query %d: %+v", id, r)
		}
	}
	// A second sync changes nothing.
	posts := f.Requests("POST /2/tweets/search/stream/rules")
	if err := xc.SyncListening(ctx); err != nil || f.Requests("POST /2/tweets/search/stream/rules") != posts {
		t.Fatalf("a sync with nothing to do changed rules: %v", err)
	}

	// A change replaces the query's rule; a retirement deletes it.
	lq.Set(t, 1, `"chain snatching"`)
	lq.Retire(2)
	// X refuses a rule (here: longer than the app's tier allows).
	lq.Set(t, 4, strings.Repeat("verylongword ", 45)+"end")
	f.RateLimitNext("POST /2/tweets/search/stream/rules", 1, 0)
	err = xc.SyncListening(ctx)
	if connector.ClassOf(err) != connector.RateLimited {
		t.Fatalf("a 429 is returned to wait: %v", err)
	}
	if r, _ := lq.Report(7, 1); r.State != query.ListenError || !strings.Contains(r.Error, "rate limit") {
		t.Fatalf("rate limit reported: %+v", r)
	}
	if err := xc.SyncListening(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ruleSet(f); !slices.Equal(got, []string{`kaval:7:q1="chain snatching"`, `other-app=weather`}) {
		t.Fatalf("rules after the change: %q", got)
	}
	if r, _ := lq.Report(7, 1); r.State != query.ListenExact || r.Error != "" {
		t.Fatalf("query 1 after the wait: %+v", r)
	}
	if r, _ := lq.Report(7, 4); r.State != query.ListenError || !strings.Contains(r.Error, "exceeds the maximum") {
		t.Fatalf("an invalid rule is reported on its query: %+v", r)
	}
	if _, ok := lq.Report(7, 2); ok {
		t.Fatal("a retired query is still reported")
	}
	lq.Retire(4)

	// Running: the stream carries the channel's rule and the query rules.
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- c.Run(rctx) }()
	defer func() { cancel(); <-done }()
	conntest.WaitFor(t, "stream connection", func() bool { return f.StreamConnections() == 1 })
	found, _ := f.StreamPost(xfake.Tweet{Text: "Chain snatching near Jayanagar 4th block", AuthorID: "301", Username: "ravi"})
	addressed, _ := f.StreamPost(xfake.Tweet{Text: "@" + f.Handle() + " chain snatching at my gate", AuthorID: "302", Username: "meera"})
	channel, _ := f.StreamPost(xfake.Tweet{Text: "thanks #bengalurupolice", AuthorID: "303", Username: "sam"})
	if _, n := f.StreamPost(xfake.Tweet{Text: "nothing to do with anything", AuthorID: "304"}); n != 0 {
		t.Fatal("the fake streamed a post no rule matches")
	}
	conntest.WaitFor(t, "streamed posts", func() bool { return sink.Len() == 3 })
	for id, want := range map[string]string{found.ID: post.KindListening, addressed.ID: post.KindMention, channel.ID: post.KindPost} {
		if p, _ := sink.GetID(post.X, id); p.Kind != want {
			t.Fatalf("post %s: kind %q, want %q", id, p.Kind, want)
		}
	}
	// A rule deleted behind our back is put back by the next sync.
	for _, r := range f.Rules() {
		if r.Tag == "kaval:7:q1" {
			deleteRule(t, f, r.ID)
		}
	}
	conntest.WaitFor(t, "rule repaired", func() bool { return slices.Contains(ruleSet(f), `kaval:7:q1="chain snatching"`) })
}

func addRule(t *testing.T, f *xfake.Server, value, tag string) {
	t.Helper()
	postRules(t, f, `{"add":[{"value":`+quoteJSON(value)+`,"tag":`+quoteJSON(tag)+`}]}`)
}

func deleteRule(t *testing.T, f *xfake.Server, id string) {
	t.Helper()
	postRules(t, f, `{"delete":{"ids":["`+id+`"]}}`)
}

func postRules(t *testing.T, f *xfake.Server, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.URL()+"/2/tweets/search/stream/rules", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("rules change: %s", resp.Status)
	}
}

func quoteJSON(s string) string { b, _ := json.Marshal(s); return string(b) }

// ruleSet is the fake's rules as sorted "tag=value".
func ruleSet(f *xfake.Server) []string {
	var out []string
	for _, r := range f.Rules() {
		out = append(out, r.Tag+"="+r.Value)
	}
	slices.Sort(out)
	return out
}
