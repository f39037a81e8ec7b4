package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// piiSeed is personal data planted in every field that can carry it.
var piiSeed = struct {
	waID, waPhone, waName, vehicle       string
	formName, formPhone, formEmail       string
	xVehicle, xPhone, noteText, citNotes string
}{
	waID: "919845012345", waPhone: "9845012345", waName: "Suresh Gowda", vehicle: "KA05MN4321",
	formName: "Lakshmi Narayan", formPhone: "9876543210", formEmail: "lakshmi.n@example.com",
	xVehicle: "KA01AB1234", xPhone: "9123456789",
	noteText: "Called Suresh on 9845012345, he confirmed KA05MN4321",
	citNotes: "Suresh Gowda, alternate 9845012345",
}

// secrets are the strings a role without pii:view must never receive.
func piiSecrets() []string {
	s := piiSeed
	return []string{s.waID, s.waPhone, "Suresh", "Gowda", s.vehicle, "Lakshmi", "Narayan", s.formPhone, s.formEmail, s.xVehicle, s.xPhone}
}

// seedPII puts personal data on the desk: a WhatsApp conversation (the
// author id is a phone number), a web form report with the reporter's
// name, phone and e-mail, a public X post naming a vehicle and a phone,
// a note and a queued reply quoting them, and a citizen profile.
func seedPII(t *testing.T, ta *testApp) map[string][]int64 {
	t.Helper()
	ctx := context.Background()
	s := piiSeed
	now := time.Now().UTC()
	var wa int64
	if err := ta.DB.Write.QueryRow(`INSERT INTO channels (platform, name, config, status, created_at, updated_at)
		VALUES ('whatsapp', 'Helpline', '{"phone_number_id":"106540352242922"}', 'active', 1, 1) RETURNING id`).Scan(&wa); err != nil {
		t.Fatal(err)
	}
	posts := []post.Post{
		{Platform: post.WhatsApp, ExternalID: "wamid.HBgMOTE5ODQ1MDEyMzQ1FQIAEhg", Kind: post.KindDirectMessage, Private: true,
			Channel: "106540352242922", ChannelID: wa, ThreadID: "106540352242922:" + s.waID,
			Author: post.Author{ExternalID: s.waID, Handle: s.waID, Name: s.waName},
			Text:   "Suresh here, my number " + s.waPhone + ", my scooter " + s.vehicle + " was stolen near Jayanagar 4th block", CreatedAt: now},
		{Platform: post.WebForm, ExternalID: "form-pii-1", Kind: post.KindForm, Private: true,
			Author: post.Author{ExternalID: "contact-5d1e", Name: s.formName},
			Text:   "My name is Lakshmi Narayan, call " + s.formPhone + " or " + s.formEmail + ", chain snatched at Jayanagar 9th block",
			Raw:    json.RawMessage(`{"name":"Lakshmi Narayan","phone":"` + s.formPhone + `"}`), CreatedAt: now},
		{Platform: post.X, ExternalID: "1790000000000012345", Kind: post.KindMention, Author: post.Author{ExternalID: "4242", Handle: "meera_blr", Name: "Meera"},
			Text: "@BlrCityPolice car " + s.xVehicle + " blocking our gate in Jayanagar since morning, owner " + s.xPhone, CreatedAt: now},
	}
	res, err := ta.Intake.Submit(ctx, posts)
	if err != nil {
		t.Fatal(err)
	}
	var postIDs []int64
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		postIDs = append(postIDs, r.ID)
	}
	if err := ta.Pipeline.Process(ctx, postIDs); err != nil {
		t.Fatal(err)
	}
	ids := map[string][]int64{"posts": postIDs}
	var waCase int64
	for i, id := range postIDs {
		caseID, err := ta.caseOfPost(ctx, id)
		if err != nil {
			t.Fatalf("post %d not on the desk: %v", id, err)
		}
		ids["cases"] = append(ids["cases"], caseID)
		if i == 0 {
			waCase = caseID
		}
	}
	if _, err := ta.Desk.Comment(ctx, waCase, desk.Scope{}, ta.users["supervisor"], s.noteText); err != nil {
		t.Fatal(err)
	}
	// A reply quoting the citizen, as an older desk or a careless agent
	// might write it, to the WhatsApp number.
	item, err := ta.Outbox.Enqueue(ctx, outbox.Item{IdempotencyKey: "pii-reply", ChannelID: wa, Kind: outbox.Reply, CaseID: waCase, PostID: postIDs[0],
		Target: connector.Target{Channel: "106540352242922", ParentID: posts[0].ExternalID, ThreadID: posts[0].ThreadID, Recipient: s.waID},
		Text:   "Suresh, we will call you on " + s.waPhone, NeedsApproval: true, CreatedBy: ta.users["agent"]})
	if err != nil {
		t.Fatal(err)
	}
	ids["outbox"] = []int64{item}
	if err := ta.Desk.ReplyQueued(ctx, waCase, ta.users["agent"], map[string]any{"outbox_id": item, "text": "Suresh, we will call you on " + s.waPhone}); err != nil {
		t.Fatal(err)
	}
	var author int64
	if err := ta.DB.Read.QueryRow(`SELECT author_id FROM cases WHERE id = $1`, waCase).Scan(&author); err != nil {
		t.Fatal(err)
	}
	cit, err := ta.Desk.LinkAuthor(ctx, author, 0, s.waName, ta.users["supervisor"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.DB.Write.Exec(`UPDATE citizens SET notes = $1 WHERE id = $2`, s.citNotes, cit); err != nil {
		t.Fatal(err)
	}
	ids["citizens"] = []int64{cit}
	ids["authors"] = []int64{author}
	auth.Audit(ctx, ta.DB, auth.Entry{Action: "case.comment", Target: fmt.Sprintf("case:%d", waCase), Details: map[string]any{"text": s.noteText}})
	for _, role := range []string{"admin", "supervisor", "agent", "station_officer", "analyst"} {
		ids["users"] = append(ids["users"], ta.users[role])
	}
	ids["channels"] = []int64{wa}
	var unit int64
	ta.DB.Read.QueryRow(`SELECT id FROM units WHERE kind = 'station' ORDER BY id LIMIT 1`).Scan(&unit)
	ids["units"] = []int64{unit}
	return ids
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// urlsOf expands a GET route's pattern into the URLs to ask: each seeded
// id for its wildcard (by the collection the path names), and searches
// for the planted data on list routes.
func urlsOf(pattern string, ids map[string][]int64) []string {
	pattern = strings.ReplaceAll(pattern, "{$}", "")
	if !pathParam.MatchString(pattern) {
		out := []string{pattern}
		if !strings.HasPrefix(pattern, "/api/") {
			return out // pages echo what the viewer typed in the URL
		}
		for _, q := range []string{"Suresh", piiSeed.waPhone, "Lakshmi", "Jayanagar"} {
			out = append(out, pattern+"?q="+url.QueryEscape(q))
		}
		return out
	}
	loc := pathParam.FindStringIndex(pattern)
	coll := "cases"
	for _, seg := range strings.Split(strings.Trim(pattern[:loc[0]], "/"), "/") {
		for k := range ids {
			if strings.HasPrefix(seg, strings.TrimSuffix(k, "s")) {
				coll = k
			}
		}
	}
	var out []string
	for _, id := range ids[coll] {
		out = append(out, pattern[:loc[0]]+fmt.Sprint(id)+pathParam.ReplaceAllString(pattern[loc[1]:], "1"))
	}
	return out
}

// TestNoPersonalDataWithoutPIIView walks every role over every GET route
// of the desk (API and pages) with personal data planted in every field
// that can hold it: nobody receives any of it, in cases and their
// subjects, posts and their authors, timelines, citizen profiles, the
// audit log and search results. Personal data is masked by default for
// every role: one with pii:view sees it by opening one post at a time,
// audited (so the walk is not vacuous); the texts going out under the
// force's name are shown to their approvers as they go out, a citizen
// profile opened alone (audited), and the audit log to its readers as
// written.
func TestNoPersonalDataWithoutPIIView(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		ids := seedPII(t, ta)
		client := &http.Client{Timeout: 5 * time.Second}
		get := func(role, u string) (int, string) {
			req, _ := http.NewRequest("GET", ta.srv.URL+u, nil)
			req.Header.Set("Authorization", "Bearer "+ta.tokens[role])
			res, err := client.Do(req)
			if err != nil {
				return 0, "" // a live stream that never ends: nothing to read here
			}
			defer res.Body.Close()
			if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
				// A live stream never ends: read what it sends until it
				// falls quiet (it sends "retry:" at once, then only on
				// events), instead of until the client's 5 s timeout.
				return res.StatusCode, readUntilQuiet(res.Body, 300*time.Millisecond)
			}
			b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
			return res.StatusCode, string(b)
		}
		// Openings that show personal data on purpose, to pii:view only.
		opened := func(pattern string) bool {
			return strings.HasPrefix(pattern, "/api/v1/outbox") || pattern == "/desk/approvals" || strings.HasSuffix(pattern, "/versions") || strings.HasPrefix(pattern, "/api/v1/citizens/") ||
				strings.HasSuffix(pattern, "/audit") // the auditor's record, as written
		}
		var walked int
		for _, rt := range ta.Web.Routes() {
			if rt.Method != "GET" || strings.Contains(rt.Pattern, "/events") || strings.Contains(rt.Pattern, "/stream") {
				continue
			}
			for _, u := range urlsOf(rt.Pattern, ids) {
				for _, role := range []string{"agent", "analyst", "supervisor", "admin"} {
					if (role == "supervisor" || role == "admin") && opened(rt.Pattern) {
						continue
					}
					code, body := get(role, u)
					if code == 200 {
						walked++
					}
					for _, s := range piiSecrets() {
						// What the caller typed may be echoed (a query's
						// canonical form); nothing stored may.
						if strings.Contains(body, s) && !strings.Contains(u, url.QueryEscape(s)) {
							t.Errorf("%s GET %s (%d) shows %q", role, u, code, s)
						}
					}
				}
			}
		}
		if walked < 20 {
			t.Fatalf("only %d answers walked: the test proves nothing", walked)
		}
		// A supervisor opens each post, and the outbox: everything planted
		// in them is seen, and every opening is in the audit log.
		seen := map[string]bool{}
		look := func(body string) {
			for _, s := range piiSecrets() {
				if strings.Contains(body, s) {
					seen[s] = true
				}
			}
		}
		for _, id := range ids["posts"] {
			var out map[string]any
			if st := ta.call(t, "supervisor", "POST", fmt.Sprintf("/api/v1/posts/%d/unmask", id), nil, &out); st != 200 {
				t.Fatalf("unmask %d: %d", id, st)
			}
			b, _ := json.Marshal(out)
			look(string(b))
			if st := ta.call(t, "agent", "POST", fmt.Sprintf("/api/v1/posts/%d/unmask", id), nil, nil); st != 403 {
				t.Fatalf("an agent unmasked: %d", st)
			}
		}
		var n int
		if err := ta.DB.Read.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'post.unmask'`).Scan(&n); err != nil || n != len(ids["posts"]) {
			t.Fatalf("%d unmaskings audited of %d (%v)", n, len(ids["posts"]), err)
		}
		_, body := get("supervisor", "/api/v1/outbox")
		look(body)
		for _, s := range []string{piiSeed.waPhone, "Suresh", "Gowda", piiSeed.vehicle, "Lakshmi", piiSeed.formPhone, piiSeed.formEmail, piiSeed.xVehicle, piiSeed.xPhone} {
			if !seen[s] {
				t.Errorf("a supervisor (pii:view) opening the posts never saw %q: the seed did not reach the API", s)
			}
		}
	})
}

// readUntilQuiet reads r until nothing more arrives for quiet (or it ends,
// or 4 MB are read), and returns what came.
func readUntilQuiet(r io.Reader, quiet time.Duration) string {
	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := r.Read(buf)
			if n > 0 {
				chunks <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	var out []byte
	t := time.NewTimer(quiet)
	defer t.Stop()
	for len(out) < 4<<20 {
		select {
		case c, ok := <-chunks:
			if !ok {
				return string(out)
			}
			out = append(out, c...)
			t.Reset(quiet)
		case <-t.C:
			go func() { // let the reader goroutine finish once the body closes
				for range chunks {
				}
			}()
			return string(out)
		}
	}
	go func() {
		for range chunks {
		}
	}()
	return string(out)
}
