package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/pquerna/otp/totp"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newService(t *testing.T, db *store.DB) (*auth.Service, *clock) {
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return auth.New(db, auth.Config{Hash: auth.TestHashParams, Now: c.Now}), c
}

func addUnit(t *testing.T, db *store.DB, code string) int64 {
	t.Helper()
	var id int64
	if err := db.Write.QueryRow(`INSERT INTO units (code, kind, name, created_at) VALUES ($1, 'station', $1, 0) RETURNING id`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

var ctx = context.Background()

func TestUsersLifecycle(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		admin, pw, err := s.CreateUser(ctx, auth.NewUser{Username: "Root", Role: auth.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if admin.Username != "root" || !admin.MustChange || len(pw) != 23 {
			t.Fatalf("admin %+v pw %q", admin, pw)
		}
		if _, err := s.Authenticate(ctx, "ROOT", pw, ""); err != nil {
			t.Fatalf("login with one-time password: %v", err)
		}
		if err := s.ChangePassword(ctx, admin.ID, pw, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.GetUser(ctx, admin.ID); u.MustChange {
			t.Fatal("must_change not cleared")
		}
		if _, err := s.Authenticate(ctx, "root", pw, ""); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("old password: %v", err)
		}

		// Validation and conflicts.
		_, _, err = s.CreateUser(ctx, auth.NewUser{Username: "root", Role: auth.RoleAgent})
		var ce *auth.ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("duplicate: %v", err)
		}
		var ve *auth.ValidationError
		for _, nu := range []auth.NewUser{
			{Username: "x", Role: auth.RoleAgent},
			{Username: "bob'; DROP TABLE users;--", Role: auth.RoleAgent},
			{Username: "bob", Role: "superuser"},
			{Username: "bob", Role: auth.RoleStationOfficer},
			{Username: "bob", Role: auth.RoleAgent, UnitID: 999},
			{Username: "bob", Role: auth.RoleAgent, Password: "short"},
			{Username: "bob", Role: auth.RoleAgent, Name: "a\x00b"},
		} {
			if _, _, err := s.CreateUser(ctx, nu); !errors.As(err, &ve) {
				t.Errorf("%+v: want validation error, got %v", nu, err)
			}
		}
		users, err := s.ListUsers(ctx)
		if err != nil || len(users) != 1 {
			t.Fatalf("users after rejected creates: %d %v", len(users), err)
		}

		unit := addUnit(t, db, "blr/ps/adugodi")
		so, _, err := s.CreateUser(ctx, auth.NewUser{Username: "sho.adugodi", Role: auth.RoleStationOfficer, UnitID: unit, Password: "a long enough pass"})
		if err != nil {
			t.Fatal(err)
		}
		if so.MustChange {
			t.Fatal("given password should not need changing")
		}
		p := so.Principal(auth.MethodSession)
		if u, ok := p.ScopeUnit(); !ok || u != unit {
			t.Fatalf("scope %d %v", u, ok)
		}
		if !p.Can(auth.PermCasesRead) || p.Can(auth.PermUsersManage) || p.Can(auth.PermCasesAssign) {
			t.Fatalf("station officer perms %v", p.Perms.List())
		}

		// Last admin cannot be demoted or disabled.
		agent := auth.RoleAgent
		if _, err := s.UpdateUser(ctx, admin.ID, auth.UserPatch{Role: &agent}); !errors.As(err, &ce) {
			t.Fatalf("demote last admin: %v", err)
		}
		if _, err := s.DisableUser(ctx, admin.ID); !errors.As(err, &ce) {
			t.Fatalf("disable last admin: %v", err)
		}
		// Moving a station officer off any unit is refused.
		zero := int64(0)
		if _, err := s.UpdateUser(ctx, so.ID, auth.UserPatch{UnitID: &zero}); !errors.As(err, &ve) {
			t.Fatalf("officer without unit: %v", err)
		}
		u, err := s.UpdateUser(ctx, so.ID, auth.UserPatch{Role: &agent, UnitID: &zero})
		if err != nil || u.Role != auth.RoleAgent || u.UnitID != 0 {
			t.Fatalf("update: %+v %v", u, err)
		}
		if _, err := s.DisableUser(ctx, so.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "sho.adugodi", "a long enough pass", ""); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("disabled login: %v", err)
		}
		if _, err := s.GetUser(ctx, 12345); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		if ok, bad, err := auth.VerifyAuditChain(ctx, db); !ok || err != nil {
			t.Fatalf("chain: %v %d %v", ok, bad, err)
		}
		recs, err := auth.ListAudit(ctx, db, auth.AuditFilter{Action: "user."})
		if err != nil || len(recs) < 5 {
			t.Fatalf("audit: %d %v", len(recs), err)
		}
		for _, r := range recs {
			if strings.Contains(string(r.Details), "long enough") || strings.Contains(string(r.Details), pw) {
				t.Fatalf("password in audit log: %s", r.Details)
			}
		}
	})
}

func TestLockout(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		s, c := newService(t, db)
		u, _, err := s.CreateUser(ctx, auth.NewUser{Username: "agent1", Role: auth.RoleAgent, Password: "the right password"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			if _, err := s.Authenticate(ctx, "agent1", "wrong password!!", ""); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if _, err := s.Authenticate(ctx, "agent1", "the right password", ""); !errors.Is(err, auth.ErrLocked) {
			t.Fatalf("right password while locked: %v", err)
		}
		got, _ := s.GetUser(ctx, u.ID)
		if got.LockedUntil.IsZero() {
			t.Fatal("locked_until not stored")
		}
		// A second service (another replica) sees the same lockout.
		s2 := auth.New(db, auth.Config{Hash: auth.TestHashParams, Now: c.Now})
		if _, err := s2.Authenticate(ctx, "agent1", "the right password", ""); !errors.Is(err, auth.ErrLocked) {
			t.Fatalf("replica: %v", err)
		}
		c.Add(16 * time.Minute)
		if _, err := s.Authenticate(ctx, "agent1", "the right password", ""); err != nil {
			t.Fatalf("after lockout: %v", err)
		}
		// Success resets the counter: 4 more failures don't lock.
		for i := 0; i < 4; i++ {
			s.Authenticate(ctx, "agent1", "wrong password!!", "")
		}
		if _, err := s.Authenticate(ctx, "agent1", "the right password", ""); err != nil {
			t.Fatalf("4 failures locked: %v", err)
		}
		// An admin reset clears a lock.
		for i := 0; i < 5; i++ {
			s.Authenticate(ctx, "agent1", "wrong password!!", "")
		}
		pw, err := s.ResetPassword(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "agent1", pw, ""); err != nil {
			t.Fatalf("after reset: %v", err)
		}
		if _, err := s.Authenticate(ctx, "nobody", "whatever password", ""); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		s, c := newService(t, db)
		u, _, _ := s.CreateUser(ctx, auth.NewUser{Username: "bot", Role: auth.RoleAnalyst, Password: "the right password"})
		tok, secret, err := s.CreateToken(ctx, u.ID, "dashboards", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "kvl_") || len(secret) != 47 || !strings.HasPrefix(secret, tok.Prefix) {
			t.Fatalf("secret %q prefix %q", secret, tok.Prefix)
		}
		var stored string
		db.Read.QueryRow(`SELECT token_hash FROM api_tokens WHERE id = $1`, tok.ID).Scan(&stored)
		if stored == secret || len(stored) != 64 {
			t.Fatalf("token stored as %q", stored)
		}
		p, err := s.ResolveToken(ctx, secret)
		if err != nil || p.UserID != u.ID || p.Role != auth.RoleAnalyst || p.Method != auth.MethodToken || p.TokenID != tok.ID {
			t.Fatalf("resolve: %+v %v", p, err)
		}
		first, _ := s.GetToken(ctx, tok.ID)
		if first.LastUsedAt.IsZero() {
			t.Fatal("last_used_at not set on first use")
		}
		c.Add(10 * time.Second)
		s.ResolveToken(ctx, secret)
		if again, _ := s.GetToken(ctx, tok.ID); !again.LastUsedAt.Equal(first.LastUsedAt) {
			t.Fatal("last_used_at written again within TouchEvery")
		}
		c.Add(2 * time.Minute)
		s.ResolveToken(ctx, secret)
		if again, _ := s.GetToken(ctx, tok.ID); !again.LastUsedAt.After(first.LastUsedAt) {
			t.Fatal("last_used_at not refreshed after TouchEvery")
		}
		// Change the last character to a different one (appending "A" to a
		// secret that already ends in "A" would be the secret itself).
		last := "A"
		if strings.HasSuffix(secret, "A") {
			last = "B"
		}
		for _, bad := range []string{"", "kvl_", secret[:len(secret)-1] + last, "Bearer " + secret, strings.Replace(secret, "kvl_", "kvs_", 1)} {
			if _, err := s.ResolveToken(ctx, bad); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("%q: %v", bad, err)
			}
		}
		if err := s.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveToken(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("revoked token resolved: %v", err)
		}
		if err := s.RevokeToken(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoke missing: %v", err)
		}
		// Expiry, and a disabled user's token.
		_, short, _ := s.CreateToken(ctx, u.ID, "short", time.Hour)
		if _, err := s.ResolveToken(ctx, short); err != nil {
			t.Fatal(err)
		}
		c.Add(time.Hour)
		if _, err := s.ResolveToken(ctx, short); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("expired: %v", err)
		}
		_, live, _ := s.CreateToken(ctx, u.ID, "live", 0)
		s.DisableUser(ctx, u.ID)
		if _, err := s.ResolveToken(ctx, live); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("disabled user's token: %v", err)
		}
		list, _ := s.ListTokens(ctx, u.ID)
		if len(list) != 3 {
			t.Fatalf("tokens: %d", len(list))
		}
	})
}

func TestSessions(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		s, c := newService(t, db)
		u, _, _ := s.CreateUser(ctx, auth.NewUser{Username: "sup", Role: auth.RoleSupervisor, Password: "the right password"})
		sess, secret, err := s.CreateSession(ctx, u, "10.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.ResolveSession(ctx, secret)
		if err != nil || p.SessionID != sess.ID || p.Method != auth.MethodSession {
			t.Fatalf("%+v %v", p, err)
		}
		c.Add(3 * time.Hour) // idle longer than SessionIdle
		if _, err := s.ResolveSession(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("idle session: %v", err)
		}
		_, secret, _ = s.CreateSession(ctx, u, "", "")
		for i := 0; i < 12; i++ { // active all day, but past the absolute lifetime
			c.Add(time.Hour)
			if _, err := s.ResolveSession(ctx, secret); (err == nil) != (i < 11) {
				t.Fatalf("hour %d: %v", i+1, err)
			}
		}
		sess, secret, _ = s.CreateSession(ctx, u, "", "")
		if err := s.RevokeSession(ctx, sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveSession(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("revoked: %v", err)
		}
		_, secret, _ = s.CreateSession(ctx, u, "", "")
		if _, err := s.ResetPassword(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveSession(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Fatalf("session survived password reset: %v", err)
		}
		n, err := s.PurgeSessions(ctx, c.Now().Add(time.Minute))
		if err != nil || n < 3 {
			t.Fatalf("purge %d %v", n, err)
		}
	})
}

func TestTOTP(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		plain, _ := newService(t, db)
		u, _, _ := plain.CreateUser(ctx, auth.NewUser{Username: "admin2", Role: auth.RoleAdmin, Password: "the right password"})
		var ce *auth.ConflictError
		if _, err := plain.EnrolTOTP(ctx, u.ID); !errors.As(err, &ce) {
			t.Fatalf("enrol without a master key: %v", err)
		}
		key, _ := secretbox.NewRandomKey()
		box, _ := secretbox.New(key)
		c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		s := auth.New(db, auth.Config{Hash: auth.TestHashParams, Now: c.Now, Secrets: box})
		url, err := s.EnrolTOTP(ctx, u.ID)
		if err != nil || !strings.HasPrefix(url, "otpauth://totp/Kaval:admin2?") {
			t.Fatalf("%q %v", url, err)
		}
		var sealed string
		db.Read.QueryRow(`SELECT totp_secret FROM users WHERE id = $1`, u.ID).Scan(&sealed)
		if !strings.HasPrefix(sealed, "sb1:") {
			t.Fatalf("TOTP secret stored unsealed: %q", sealed)
		}
		secret, err := box.Open(sealed, []byte(fmt.Sprintf("user:%d:totp", u.ID)))
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(string(secret), c.Now())
		if err := s.ConfirmTOTP(ctx, u.ID, "000000"); err == nil && code != "000000" {
			t.Fatal("wrong code confirmed")
		}
		if err := s.ConfirmTOTP(ctx, u.ID, code); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "admin2", "the right password", ""); !errors.Is(err, auth.ErrTOTPRequired) {
			t.Fatalf("no code: %v", err)
		}
		if _, err := s.Authenticate(ctx, "admin2", "the right password", code); err != nil {
			t.Fatalf("with code: %v", err)
		}
	})
}

func TestAuditChain(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		if ok, _, err := auth.VerifyAuditChain(ctx, db); !ok || err != nil {
			t.Fatalf("empty chain: %v %v", ok, err)
		}
		actor := auth.WithPrincipal(ctx, &auth.Principal{UserID: 7, Username: "sup"})
		// Concurrent appenders must still form one chain.
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					if err := auth.Audit(actor, db, auth.Entry{Action: "case.assign", Target: "case:1", Details: map[string]any{"to": g, "i": i, "note": "ಕಳ್ಳತನ \"quoted\" '; DROP"}}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		ok, bad, err := auth.VerifyAuditChain(ctx, db)
		if !ok || err != nil {
			t.Fatalf("chain after concurrent appends: bad=%d %v", bad, err)
		}
		recs, _ := auth.ListAudit(ctx, db, auth.AuditFilter{ActorID: 7, Limit: 3})
		if len(recs) != 3 || recs[0].ID != 20 || recs[0].Actor != "sup" || recs[0].PrevHash != recs[1].Hash {
			t.Fatalf("list: %+v", recs)
		}
		// A rolled-back transaction leaves no entry and no gap.
		db.Tx(ctx, func(tx *sql.Tx) error {
			auth.AuditTx(ctx, tx, auth.Entry{Action: "x.y"})
			return errors.New("roll back")
		})
		if ok, bad, _ := auth.VerifyAuditChain(ctx, db); !ok {
			t.Fatalf("after rollback: bad %d", bad)
		}

		// The table refuses updates and deletes outright…
		if _, err := db.Write.Exec(`UPDATE audit_log SET actor = 'nobody' WHERE id = 5`); err == nil {
			t.Fatal("audit_log accepted an UPDATE")
		}
		if _, err := db.Write.Exec(`DELETE FROM audit_log WHERE id = 20`); err == nil {
			t.Fatal("audit_log accepted a DELETE")
		}
		// …and someone with the database who drops the guard is still caught.
		dropGuard(t, db)
		if _, err := db.Write.Exec(`UPDATE audit_log SET details = '{"to":99}' WHERE id = 5`); err != nil {
			t.Fatal(err)
		}
		if ok, bad, _ := auth.VerifyAuditChain(ctx, db); ok || bad != 5 {
			t.Fatalf("tampered row: ok=%v bad=%d", ok, bad)
		}
	})
}

func TestAuditChainDetectsDeletion(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		for i := 0; i < 5; i++ {
			auth.Audit(ctx, db, auth.Entry{Action: "user.create", Target: "user:1"})
		}
		dropGuard(t, db)
		db.Write.Exec(`DELETE FROM audit_log WHERE id = 3`)
		if ok, bad, _ := auth.VerifyAuditChain(ctx, db); ok || bad != 3 {
			t.Fatalf("deleted middle: %v %d", ok, bad)
		}
		db.Write.Exec(`DELETE FROM audit_log WHERE id >= 3`)
		if ok, bad, _ := auth.VerifyAuditChain(ctx, db); ok || bad != 3 {
			t.Fatalf("cut tail: %v %d", ok, bad)
		}
	})
}

func dropGuard(t *testing.T, db *store.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Dialect == store.Postgres {
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	for _, q := range stmts {
		if _, err := db.Write.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}
