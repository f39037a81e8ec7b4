package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector/webform"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// testApp starts a whole desk over db (already migrated by store.ForEach)
// behind a real HTTP server.
type testApp struct {
	*App
	srv    *httptest.Server
	tokens map[string]string // role → bearer token
	users  map[string]int64
}

func newTestApp(t *testing.T, db *store.DB) *testApp {
	t.Helper()
	return newTestAppWith(t, db, Config{})
}

// newTestAppWith starts a desk with cfg's switches (DeferPipeline…).
func newTestAppWith(t *testing.T, db *store.DB, cfg Config) *testApp {
	t.Helper()
	ctx := context.Background()
	dsn := db.DSN
	if db.Dialect == store.SQLite {
		dsn = db.DSN
	} else {
		dsn = pgDSN(t, db)
	}
	cfg.DB, cfg.DataDir, cfg.AuthConfig = dsn, t.TempDir(), auth.Config{Hash: auth.TestHashParams}
	a, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Start(ctx)
	t.Cleanup(a.Close)
	ta := &testApp{App: a, tokens: map[string]string{}, users: map[string]int64{}}
	ta.srv = httptest.NewServer(a.Handler())
	t.Cleanup(ta.srv.Close)
	var jayanagar int64
	for _, u := range mustUnits(t, a) {
		if u.Kind == "station" && strings.HasPrefix(u.Name, "Jayanagar") {
			jayanagar = u.ID
		}
	}
	if jayanagar == 0 {
		t.Fatal("the jurisdiction pack has no Jayanagar station")
	}
	for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleAgent, auth.RoleStationOfficer, auth.RoleAnalyst} {
		nu := auth.NewUser{Username: string(r), Role: r, Password: "correct horse battery staple"}
		if r == auth.RoleStationOfficer {
			nu.UnitID = jayanagar
		}
		u, _, err := a.Auth.CreateUser(ctx, nu)
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := a.Auth.CreateToken(ctx, u.ID, "test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		ta.tokens[string(r)], ta.users[string(r)] = tok, u.ID
	}
	return ta
}

func mustUnits(t *testing.T, a *App) []unit.Unit {
	us, err := unit.NewStore(a.DB).List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return us
}

// call makes a request as role ("" for none) and decodes a JSON answer.
func (ta *testApp) call(t *testing.T, role, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, _ := json.Marshal(b)
		rd = bytes.NewReader(js)
	}
	req, _ := http.NewRequest(method, ta.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+ta.tokens[role])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, data, err)
		}
	}
	return res.StatusCode
}

type intakeResp struct {
	Stored, Duplicates, Refused int
	Results                     []struct {
		ID        int64
		Duplicate bool
		Error     string
	}
}

func (ta *testApp) waitSettled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var left int
		ta.DB.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left)
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts never reached the desk", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDeskEndToEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		posts := map[string]any{"posts": []map[string]any{
			{"platform": "x", "external_id": "1001", "kind": "mention", "author": map[string]any{"id": "u1", "handle": "asha"},
				"text": "Chain snatching near Jayanagar 4th block right now, please help! Call me 9876543210", "created_at": time.Now().UTC()},
			{"platform": "x", "external_id": "1002", "kind": "mention", "author": map[string]any{"id": "u2", "handle": "ravi"},
				"text": "ಕೋರಮಂಗಲದಲ್ಲಿ ರಾತ್ರಿ 2 ಗಂಟೆಗೆ ಜೋರಾಗಿ ಸಂಗೀತ, ನಿದ್ದೆ ಮಾಡಲು ಆಗುತ್ತಿಲ್ಲ", "created_at": time.Now().UTC()},
			{"platform": "x", "external_id": "1003", "kind": "mention", "author": map[string]any{"id": "u3", "handle": "fan"},
				"text": "Thank you @BlrCityPolice for the quick patrol last night, great work", "created_at": time.Now().UTC()},
		}}
		var ir intakeResp
		if code := ta.call(t, "admin", "POST", "/api/v1/posts", posts, &ir); code != 200 || ir.Stored != 3 {
			t.Fatalf("intake: %d %+v", code, ir)
		}
		// Redelivery is a duplicate, not a second post.
		if ta.call(t, "admin", "POST", "/api/v1/posts", posts, &ir); ir.Duplicates != 3 || ir.Stored != 0 {
			t.Fatalf("redelivery: %+v", ir)
		}
		// Agents may not push posts.
		if code := ta.call(t, "agent", "POST", "/api/v1/posts", posts, nil); code != 403 {
			t.Fatalf("agent intake: %d", code)
		}
		ta.waitSettled(t)

		var page struct {
			Cases []struct {
				ID       int64
				Ref      string
				Priority int
				UnitName string `json:"unit_name"`
				Subject  string
				Status   string
			}
		}
		if code := ta.call(t, "supervisor", "GET", "/api/v1/cases", nil, &page); code != 200 || len(page.Cases) != 3 {
			t.Fatalf("cases: %d %+v", code, page)
		}
		top := page.Cases[0]
		if !strings.Contains(top.Subject, "Chain snatching") || top.Priority > 2 || !strings.HasPrefix(top.UnitName, "Jayanagar") {
			t.Fatalf("the distress post should lead the queue, routed to Jayanagar: %+v", page.Cases)
		}
		// The station officer of Jayanagar sees exactly that case.
		var mine struct{ Cases []struct{ ID int64 } }
		ta.call(t, "station_officer", "GET", "/api/v1/cases", nil, &mine)
		if len(mine.Cases) != 1 || mine.Cases[0].ID != top.ID {
			t.Fatalf("station officer sees %+v", mine)
		}
		other := page.Cases[1].ID
		if code := ta.call(t, "station_officer", "GET", fmt.Sprintf("/api/v1/cases/%d", other), nil, nil); code != 404 {
			t.Fatalf("other station's case: %d", code)
		}
		if code := ta.call(t, "analyst", "PATCH", fmt.Sprintf("/api/v1/cases/%d", top.ID), `{"status":"open"}`, nil); code != 403 {
			t.Fatalf("analyst edit: %d", code)
		}
		// An agent sees the phone number redacted; a supervisor opens the
		// post (audited) and sees it.
		var detail struct {
			Posts []struct {
				ID   int64
				Text string
			}
		}
		ta.call(t, "agent", "GET", fmt.Sprintf("/api/v1/cases/%d", top.ID), nil, &detail)
		if len(detail.Posts) != 1 || strings.Contains(detail.Posts[0].Text, "9876543210") || !strings.Contains(detail.Posts[0].Text, "[phone]") {
			t.Fatalf("agent should see the phone redacted: %+v", detail)
		}
		var opened struct{ Text string }
		ta.call(t, "supervisor", "POST", fmt.Sprintf("/api/v1/posts/%d/unmask", detail.Posts[0].ID), nil, &opened)
		if !strings.Contains(opened.Text, "9876543210") {
			t.Fatalf("supervisor should see the phone: %+v", opened)
		}
		// Work the case.
		var c struct {
			Status  string
			Tags    []string
			Version int
		}
		if code := ta.call(t, "agent", "PATCH", fmt.Sprintf("/api/v1/cases/%d", top.ID), `{"status":"waiting_station","add_tags":["chain-snatching"]}`, &c); code != 200 || c.Status != "waiting_station" || len(c.Tags) != 1 {
			t.Fatalf("update: %d %+v", code, c)
		}
		if code := ta.call(t, "agent", "PATCH", fmt.Sprintf("/api/v1/cases/%d", top.ID), `{"status":"open","version":1}`, nil); code != 409 {
			t.Fatalf("stale version: %d", code)
		}
		if code := ta.call(t, "supervisor", "POST", fmt.Sprintf("/api/v1/cases/%d/assign", top.ID), map[string]any{"assignee_id": ta.users["agent"]}, nil); code != 200 {
			t.Fatalf("assign: %d", code)
		}
		var note struct {
			ID   int64
			Kind string
		}
		if code := ta.call(t, "station_officer", "POST", fmt.Sprintf("/api/v1/cases/%d/comments", top.ID), `{"text":"Beat constable sent; suspect on a black Pulsar"}`, &note); code != 201 {
			t.Fatalf("officer comment: %d", code)
		}
		// The answer names the new note by the id the timeline shows.
		var withNote struct {
			Timeline []struct {
				ID   int64
				Kind string
			}
		}
		ta.call(t, "supervisor", "GET", fmt.Sprintf("/api/v1/cases/%d", top.ID), nil, &withNote)
		if n := len(withNote.Timeline); note.ID == 0 || n == 0 || withNote.Timeline[n-1].ID != note.ID && withNote.Timeline[0].ID != note.ID {
			t.Fatalf("comment answered with id %d; timeline %+v", note.ID, withNote.Timeline)
		}
		// Search in Kannada through the API finds the inflected word.
		var found struct {
			Posts []struct {
				ExternalID string `json:"external_id"`
			}
		}
		ta.call(t, "analyst", "GET", "/api/v1/posts?q="+urlq("ಕೋರಮಂಗಲ"), nil, &found)
		if len(found.Posts) != 1 || found.Posts[0].ExternalID != "1002" {
			t.Fatalf("Kannada search: %+v", found)
		}
		// The OpenAPI document lists the desk routes.
		var doc struct{ Paths map[string]any }
		ta.call(t, "", "GET", "/api/v1/openapi.json", nil, &doc)
		for _, p := range []string{"/api/v1/cases", "/api/v1/cases/{id}", "/api/v1/posts", "/api/v1/units"} {
			if doc.Paths[p] == nil {
				t.Errorf("openapi lacks %s", p)
			}
		}
	})
}

// A post is analysed by the real models before intake acknowledges it and
// stored with the analysis; threading it into a case is the pipeline's,
// which here starts only afterwards.
func TestAnalysedBeforeAcknowledged(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestAppWith(t, db, Config{DeferPipeline: true})
		posts := map[string]any{"posts": []map[string]any{
			{"platform": "x", "external_id": "2001", "kind": "mention", "author": map[string]any{"id": "u1", "handle": "asha"},
				"text": "Chain snatching near Jayanagar 4th block right now, please help!", "created_at": time.Now().UTC()},
		}}
		var ir intakeResp
		if code := ta.call(t, "admin", "POST", "/api/v1/posts", posts, &ir); code != 200 || ir.Stored != 1 {
			t.Fatalf("intake: %d %+v", code, ir)
		}
		var stage, emergency int
		var station string
		var analysis sql.NullString
		var caseID sql.NullInt64
		if err := ta.DB.Read.QueryRow("SELECT stage, station, emergency, analysis, case_id FROM posts WHERE external_id = '2001'").
			Scan(&stage, &station, &emergency, &analysis, &caseID); err != nil {
			t.Fatal(err)
		}
		if stage != 1 || station != "Jayanagar PS" || emergency != 1 || !strings.Contains(analysis.String, `"station":"Jayanagar PS"`) || caseID.Valid {
			t.Fatalf("on acknowledgement: stage %d station %q emergency %d case %v analysis %.120s", stage, station, emergency, caseID, analysis.String)
		}
		ta.StartPipeline()
		ta.waitSettled(t)
		var unit string
		ta.DB.Read.QueryRow(`SELECT u.name FROM posts p JOIN cases c ON c.id = p.case_id JOIN units u ON u.id = c.unit_id
			WHERE p.external_id = '2001'`).Scan(&unit)
		if unit != "Jayanagar PS" {
			t.Fatalf("case routed to %q", unit)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		bad := []string{
			`{"posts":[{"platform":"x","external_id":"1","text":"a"}`,                        // truncated
			`{"posts":[{"platform":"x","external_id":"1","text":"a","bogus":1}]}`,            // unknown field
			`{"posts":[{"platform":"x","external_id":1,"text":"a"}]}`,                        // wrong type
			"{\"posts\":[{\"platform\":\"x\",\"external_id\":\"1\",\"text\":\"\xff\xfe\"}]}", // invalid UTF-8
			`{"posts":[]}`,
			`{"posts":[{"platform":"x","external_id":"1","text":"a","analysis":{"urgency":100}}]}`,
			`[]`,
			`{"posts":[{"platform":"x","external_id":"1","text":"` + strings.Repeat("a", 2<<20) + `"}]}`,
		}
		for i, b := range bad {
			var e struct {
				Error struct{ Code, Message string }
			}
			code := ta.call(t, "admin", "POST", "/api/v1/posts", []byte(b), &e)
			if code < 400 || code >= 500 || e.Error.Message == "" {
				t.Errorf("bad body %d: %d %+v", i, code, e)
			}
		}
		// A per-post refusal is reported in its result, the others stored.
		var ir intakeResp
		ta.call(t, "admin", "POST", "/api/v1/posts", `{"posts":[{"platform":"x","external_id":"ok","text":"fine"},{"platform":"X' OR 1=1 --","external_id":"2","text":"b"}]}`, &ir)
		if ir.Stored != 1 || ir.Refused != 1 || ir.Results[1].Error == "" {
			t.Fatalf("mixed batch: %+v", ir)
		}
		var n int
		ta.DB.Read.QueryRow("SELECT count(*) FROM posts").Scan(&n)
		if n != 1 {
			t.Fatalf("%d posts stored, want 1", n)
		}
		for _, q := range []string{"/api/v1/cases?priority=9", "/api/v1/cases?status=bogus", "/api/v1/cases?cursor=xx", "/api/v1/cases/abc", "/api/v1/posts?limit=-1"} {
			if code := ta.call(t, "admin", "GET", q, nil, nil); code < 400 || code >= 500 {
				t.Errorf("%s: %d", q, code)
			}
		}
	})
}

func TestPublicFormGivesReferenceAndStatus(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		ctx := context.Background()
		rc, err := formDesk{ta.App}.SubmitForm(ctx, formPost("Two men on a bike snatched a chain near Jayanagar 4th block"))
		if err != nil || !strings.HasPrefix(rc.Ref, "BCP-") || len(rc.Code) != 11 || rc.Code[5] != '-' {
			t.Fatalf("receipt %+v %v", rc, err)
		}
		st, err := formDesk{ta.App}.PublicStatus(ctx, rc.Ref, rc.Code)
		if err != nil || st.Ref != rc.Ref || len(st.Steps) == 0 || st.Steps[0].Kind != webform.StepReceived {
			t.Fatalf("status %+v %v", st, err)
		}
		for _, c := range [][2]string{{"BCP-1999-000001", rc.Code}, {rc.Ref, ""}, {rc.Ref, "00000-00000"}} {
			if _, err := (formDesk{ta.App}).PublicStatus(ctx, c[0], c[1]); err == nil {
				t.Fatalf("found with ref %q and code %q", c[0], c[1])
			}
		}
		// Typed as a person types it: lower case, no dash, O for 0.
		typed := strings.ToLower(strings.ReplaceAll(rc.Code, "-", ""))
		if _, err := (formDesk{ta.App}).PublicStatus(ctx, rc.Ref, strings.ReplaceAll(typed, "0", "o")); err != nil {
			t.Fatalf("code typed as %q: %v", typed, err)
		}
		var blank int
		ta.DB.Read.QueryRow("SELECT count(*) FROM cases WHERE length(status_code) <> 10").Scan(&blank)
		if blank != 0 {
			t.Fatalf("%d cases without a status code", blank)
		}
	})
}

func TestCitizenProfileAcrossPlatforms(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		var ir intakeResp
		ta.call(t, "admin", "POST", "/api/v1/posts", map[string]any{"posts": []map[string]any{
			{"platform": "x", "external_id": "x1", "author": map[string]any{"id": "u1", "handle": "asha"}, "text": "My phone was stolen in Jayanagar 4th block", "created_at": now},
			{"platform": "whatsapp", "external_id": "w1", "private": true, "thread_id": "c1", "author": map[string]any{"id": "919800000001"}, "text": "Following up on the stolen phone", "created_at": now},
		}}, &ir)
		if ir.Stored != 2 {
			t.Fatalf("%+v", ir)
		}
		ta.waitSettled(t)
		var authors []int64
		rows, _ := ta.DB.Read.Query("SELECT id FROM authors ORDER BY id")
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			authors = append(authors, id)
		}
		rows.Close()
		if len(authors) != 2 {
			t.Fatalf("authors %v", authors)
		}
		var link struct {
			CitizenID int64 `json:"citizen_id"`
		}
		if code := ta.call(t, "agent", "POST", fmt.Sprintf("/api/v1/authors/%d/citizen", authors[0]), `{"name":"Asha R."}`, &link); code != 200 || link.CitizenID == 0 {
			t.Fatalf("link: %d %+v", code, link)
		}
		if code := ta.call(t, "agent", "POST", fmt.Sprintf("/api/v1/authors/%d/citizen", authors[1]), map[string]any{"citizen_id": link.CitizenID}, nil); code != 200 {
			t.Fatalf("second link: %d", code)
		}
		if code := ta.call(t, "station_officer", "POST", fmt.Sprintf("/api/v1/authors/%d/citizen", authors[1]), `{"name":"x"}`, nil); code != 403 {
			t.Fatalf("station officer linking: %d", code)
		}
		if code := ta.call(t, "agent", "POST", "/api/v1/authors/999999/citizen", `{"name":"x"}`, nil); code != 404 {
			t.Fatalf("missing author: %d", code)
		}
		var prof struct {
			Name    string
			Authors []struct{ Platform string }
			Cases   []struct{ ID int64 }
		}
		ta.call(t, "supervisor", "GET", fmt.Sprintf("/api/v1/citizens/%d", link.CitizenID), nil, &prof)
		if prof.Name != "Asha R." || len(prof.Authors) != 2 || len(prof.Cases) != 2 {
			t.Fatalf("profile: %+v", prof)
		}
		// The Jayanagar officer sees the profile, but only the case routed to them.
		ta.call(t, "station_officer", "GET", fmt.Sprintf("/api/v1/citizens/%d", link.CitizenID), nil, &prof)
		if len(prof.Cases) != 1 {
			t.Fatalf("station officer sees %d cases", len(prof.Cases))
		}
	})
}
