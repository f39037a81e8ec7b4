package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestSessionListAndEnd: owners see and end their own sessions, holders
// of users:manage anyone's; others cannot even learn a session exists.
func TestSessionListAndEnd(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		s, clk := newService(t, db)
		ctx := context.Background()
		mk := func(name string, role auth.Role) *auth.User {
			u, _, err := s.CreateUser(ctx, auth.NewUser{Username: name, Role: role, Password: "a long enough pass"})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		admin, a, b := mk("boss", auth.RoleAdmin), mk("anita", auth.RoleAgent), mk("bala", auth.RoleAgent)
		sa1, _, _ := s.CreateSession(ctx, a, "10.0.0.1", "Firefox")
		sa2, _, _ := s.CreateSession(ctx, a, "10.0.0.2", "Chromium")
		sb, _, _ := s.CreateSession(ctx, b, "10.0.0.3", "Safari")
		if err := s.RevokeSession(ctx, sa2.ID); err != nil {
			t.Fatal(err)
		}
		mine, err := s.ListSessions(ctx, a.ID)
		if err != nil || len(mine) != 1 || mine[0].ID != sa1.ID || mine[0].IP != "10.0.0.1" || mine[0].UserAgent != "Firefox" || mine[0].Username != "anita" {
			t.Fatalf("anita's live sessions: %+v %v", mine, err)
		}
		all, _ := s.ListSessions(ctx, 0)
		if len(all) != 2 {
			t.Fatalf("all live sessions: %d", len(all))
		}
		pa, pb, padmin := a.Principal(auth.MethodSession), b.Principal(auth.MethodSession), admin.Principal(auth.MethodSession)
		if err := s.EndSession(ctx, pb, sa1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("bala ended anita's session: %v", err)
		}
		if err := s.EndSession(ctx, pa, sa1.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.EndSession(ctx, padmin, sb.ID); err != nil {
			t.Fatal(err)
		}
		if all, _ := s.ListSessions(ctx, 0); len(all) != 0 {
			t.Fatalf("after ending: %d live", len(all))
		}
		recs, _ := auth.ListAudit(ctx, db, auth.AuditFilter{Action: "session.revoke"})
		if len(recs) != 2 {
			t.Fatalf("audit: %d session.revoke entries", len(recs))
		}
		// Idle sessions drop out of the list as they stop working.
		sa3, _, _ := s.CreateSession(ctx, a, "10.0.0.4", "Firefox")
		clk.Add(s.Config().SessionIdle + time.Minute)
		if mine, _ := s.ListSessions(ctx, a.ID); len(mine) != 0 {
			t.Fatalf("idle session %d still listed", sa3.ID)
		}
	})
}
