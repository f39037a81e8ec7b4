package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// A case longer than one answer: GET /api/v1/cases/{id} answers the newest
// posts in thread order with a cursor to the earlier ones (it used to
// answer the oldest 500, so the newest posts of a long case were missing),
// following the cursor reads the whole thread once, in order, and personal
// data stays masked on every page.
func TestCaseAPIPagesLongThread(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		r := newReplyEnv(t, db)
		agent := r.tokens[auth.RoleAgent]
		const n = 505
		caseID := longCase(t, r, n)
		nums := func(m map[string]any) []string {
			var out []string
			for _, p := range m["posts"].([]any) {
				text := p.(map[string]any)["text"].(string)
				if strings.Contains(text, "9845012345") {
					t.Fatalf("the agent sees the phone number: %q", text)
				}
				out = append(out, strings.TrimPrefix(text, "thread post number ")[:3])
			}
			return out
		}
		span := func(from, to int) string {
			var out []string
			for i := from; i < to; i++ {
				out = append(out, fmt.Sprintf("%03d", i))
			}
			return strings.Join(out, " ")
		}
		cp := fmt.Sprintf("/api/v1/cases/%d", caseID)

		// By default: the newest 500, the newest last, and the 5 before them.
		st, m, _ := r.req("GET", cp, agent, nil)
		if st != 200 {
			t.Fatalf("get: %d %v", st, m)
		}
		if got := strings.Join(nums(m), " "); got != span(n-500, n) {
			t.Fatalf("default page is not the newest 500 in order: %.80s ... %s", got, got[len(got)-40:])
		}
		if m["earlier_count"] != float64(5) || m["earlier_before"] == nil {
			t.Fatalf("earlier: %v %v", m["earlier_count"], m["earlier_before"])
		}
		st, m, _ = r.req("GET", cp+"?before="+url.QueryEscape(m["earlier_before"].(string)), agent, nil)
		if got := strings.Join(nums(m), " "); st != 200 || got != span(0, 5) || m["earlier_before"] != nil || m["earlier_count"] != nil {
			t.Fatalf("earlier page: %d %q %v", st, got, m["earlier_before"])
		}

		// Smaller pages walk the whole thread back, no gap and no repeat
		// (ties on the timestamp included).
		var walked []string
		q := "?limit=77"
		for pages := 0; ; pages++ {
			if pages > 7 {
				t.Fatal("the cursor does not end")
			}
			st, m, _ := r.req("GET", cp+q, agent, nil)
			if st != 200 {
				t.Fatalf("page %d: %d %v", pages, st, m)
			}
			walked = append(nums(m), walked...)
			b, ok := m["earlier_before"].(string)
			if !ok {
				break
			}
			q = "?limit=77&before=" + url.QueryEscape(b)
		}
		if got := strings.Join(walked, " "); got != span(0, n) {
			t.Fatalf("walked thread differs: %.120s", got)
		}

		// Bad parameters are a 400 naming the parameter.
		for _, bad := range []string{"?before=x", "?before=1.-2", "?before=%3Cscript%3E", "?limit=0", "?limit=501", "?limit=ten"} {
			if st, m, _ := r.req("GET", cp+bad, agent, nil); st != 400 || !strings.Contains(bad, errField(m)) {
				t.Fatalf("%s: %d %v", bad, st, m)
			}
		}
	})
}

// longCase stores n posts of one citizen threaded into one case (every
// fourth pair sharing a timestamp; the last with a phone number) and
// returns the case.
func longCase(t *testing.T, r *replyEnv, n int) int64 {
	t.Helper()
	t0 := time.Now().Add(-time.Duration(n) * time.Minute)
	var ps []post.Post
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Minute)
		if i%4 == 1 { // a shared timestamp: the order falls to the id
			at = t0.Add(time.Duration(i-1) * time.Minute)
		}
		text := fmt.Sprintf("thread post number %03d", i)
		if i == n-1 {
			text += ", call me on 9845012345"
		}
		ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("17900000000", 10000+i), Kind: post.KindMention, Channel: "blrcitypolice",
			ThreadID: "17900000000010000", Author: post.Author{ExternalID: "42", Handle: "meera_blr"}, Text: text, CreatedAt: at})
	}
	if err := r.in.Ingest(context.Background(), ps); err != nil {
		t.Fatal(err)
	}
	caseID := r.caseOf(t, post.X, ps[0].ExternalID)
	if got := countRows(t, r.db, fmt.Sprintf(`SELECT count(*) FROM posts WHERE case_id = %d`, caseID)); got != n {
		t.Fatalf("%d of %d posts in the case", got, n)
	}
	return caseID
}
