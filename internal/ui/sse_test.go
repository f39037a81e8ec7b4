package ui_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/ui"
	"github.com/kaval-desk/kaval/internal/web"
)

// replica is one desk server sharing a bus with others.
func replica(t *testing.T, db *store.DB, b bus.Bus) (*ui.UI, *httptest.Server) {
	a := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	srv := web.New(web.Config{}, web.Deps{DB: db, Auth: a, Logger: slog.New(slog.DiscardHandler)})
	u, err := ui.New(ui.Deps{Server: srv, Auth: a, Bus: b, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	u.Hub().Heartbeat = 100 * time.Millisecond
	// Each connection sees the event rendered for its own user, and only
	// events it may see (here: odd payloads are the agent's to skip).
	u.Stream(ui.Route{Path: "/desk/test/live", Perm: auth.PermCasesRead, Summary: "test stream"}, []string{"cases.changed"},
		func(r *http.Request, ev ui.Event) ([]ui.Frame, error) {
			p := auth.FromContext(r.Context())
			if p.Role == auth.RoleAgent && string(ev.Data) == "secret" {
				return nil, nil
			}
			return []ui.Frame{{Name: "case", HTML: "<tr>" + string(ev.Data) + " for " + p.Username + "\nline two</tr>"}}, nil
		})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return u, ts
}

type stream struct {
	resp *http.Response
	rd   *bufio.Reader
}

func openStream(t *testing.T, url, token string) *stream {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/desk/test/live", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("X-Accel-Buffering") != "no" {
		t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
	}
	return &stream{resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next reads one event (lines up to a blank line), skipping comments.
func (s *stream) next(t *testing.T) string {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		var b strings.Builder
		for {
			line, err := s.rd.ReadString('\n')
			if err != nil {
				done <- "EOF"
				return
			}
			if line == "\n" {
				if b.Len() > 0 {
					done <- b.String()
					return
				}
				continue
			}
			if strings.HasPrefix(line, ":") || strings.HasPrefix(line, "retry:") {
				continue
			}
			b.WriteString(line)
		}
	}()
	select {
	case ev := <-done:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
		return ""
	}
}

// TestLiveUpdatesAcrossReplicas: an event published on one replica
// reaches browsers on every replica through the bus, rendered for each
// browser's user and filtered by what they may see; multi-line fragments
// cannot break out of their frame; a closed browser is unregistered.
func TestLiveUpdatesAcrossReplicas(t *testing.T) {
	db := store.NewTestSQLite(t)
	b := bus.NewInProc(0)
	t.Cleanup(func() { b.Close() })
	u1, ts1 := replica(t, db, b)
	u2, ts2 := replica(t, db, b)
	a := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	ctx := context.Background()
	token := func(name string, role auth.Role) string {
		usr, _, err := a.CreateUser(ctx, auth.NewUser{Username: name, Role: role, Password: "a perfectly fine passphrase"})
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := a.CreateToken(ctx, usr.ID, "t", 0)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	agent, sup := token("anita", auth.RoleAgent), token("suresh", auth.RoleSupervisor)
	s1 := openStream(t, ts1.URL, agent)
	s2 := openStream(t, ts2.URL, sup)
	deadline := time.Now().Add(5 * time.Second)
	for u1.Hub().Clients()+u2.Hub().Clients() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // both replicas' bus subscriptions are live

	if err := u1.Hub().Publish(ctx, "cases.changed", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if err := u1.Hub().Publish(ctx, "cases.changed", []byte("42\nevent: forged")); err != nil {
		t.Fatal(err)
	}
	if got := s2.next(t); got != "event: case\ndata: <tr>secret for suresh\ndata: line two</tr>\n" {
		t.Fatalf("supervisor on the other replica got %q", got)
	}
	if got := s1.next(t); got != "event: case\ndata: <tr>42\ndata: event: forged for anita\ndata: line two</tr>\n" {
		t.Fatalf("agent (who may not see the first event) got %q", got)
	}
	s1.resp.Body.Close()
	deadline = time.Now().Add(5 * time.Second)
	for u1.Hub().Clients() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := u1.Hub().Clients(); n != 0 {
		t.Fatalf("%d connections still registered after the browser left", n)
	}
}

// TestStreamNeedsPermission: the stream is a route like any other.
func TestStreamNeedsPermission(t *testing.T) {
	db := store.NewTestSQLite(t)
	_, ts := replica(t, db, nil)
	resp, err := http.Get(ts.URL + "/desk/test/live")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.Path, "/desk/login") {
		t.Fatalf("anonymous stream: %d %s", resp.StatusCode, resp.Request.URL)
	}
}
