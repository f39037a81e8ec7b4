package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/web"
)

// BenchmarkBearerRoute measures the whole per-request stack for an API
// client: middleware, token lookup in SQLite, permission check, a trivial
// handler writing JSON. "inproc" calls ServeHTTP; "http" goes over loopback.
func BenchmarkBearerRoute(b *testing.B) {
	db := store.NewTestSQLite(b)
	as := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	srv := web.New(web.Config{}, web.Deps{DB: db, Auth: as, Logger: slog.New(slog.DiscardHandler)})
	srv.Route("GET", "/api/v1/ping", auth.PermCasesRead, web.OpDoc{Summary: "ping"}, func(w http.ResponseWriter, r *http.Request) error {
		return web.JSON(w, http.StatusOK, map[string]int64{"user": web.Principal(r).UserID})
	})
	u, _, err := as.CreateUser(context.Background(), auth.NewUser{Username: "bench", Role: auth.RoleAgent, Password: "a perfectly fine passphrase"})
	if err != nil {
		b.Fatal(err)
	}
	_, tok, _ := as.CreateToken(context.Background(), u.ID, "bench", 0)
	b.Run("inproc", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := httptest.NewRequest("GET", "/api/v1/ping", nil)
				r.Header.Set("Authorization", "Bearer "+tok)
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	})
	b.Run("http", func(b *testing.B) {
		ts := httptest.NewServer(srv)
		defer ts.Close()
		c := ts.Client()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r, _ := http.NewRequest("GET", ts.URL+"/api/v1/ping", nil)
				r.Header.Set("Authorization", "Bearer "+tok)
				resp, err := c.Do(r)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	})
}
