package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

func runCLI(t *testing.T, dsn string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string {
		switch k {
		case "KAVAL_DB":
			return dsn
		case "USER":
			return "tester"
		}
		return ""
	}}
	code = runMain(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestUserAndTokenCommands(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "sub", "kaval.db")
	code, out, errs := runCLI(t, dsn, "user", "add", "--username", "Root", "--role", "admin")
	otp := regexp.MustCompile(`one-time password: (\S+)`).FindStringSubmatch(out)
	if code != 0 || otp == nil {
		t.Fatalf("user add: %d %q %q", code, out, errs)
	}
	if code, _, errs := runCLI(t, dsn, "user", "add", "--username", "sho", "--role", "station_officer", "--unit", "blr/ps/nowhere"); code != 1 || !strings.Contains(errs, "no unit with code") {
		t.Fatalf("unknown unit: %d %q", code, errs)
	}
	if code, _, _ := runCLI(t, dsn, "user", "add", "--username", "x"); code != 2 {
		t.Fatalf("missing role: exit %d", code)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Write.Exec(`INSERT INTO units (code, kind, name, created_at) VALUES ('blr/ps/adugodi', 'station', 'Adugodi PS', 0)`); err != nil {
		t.Fatal(err)
	}
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("a long station password\n"), 0o600)
	if code, out, errs := runCLI(t, dsn, "user", "add", "--username", "sho", "--role", "station_officer", "--unit", "blr/ps/adugodi", "--password-file", pwFile); code != 0 || strings.Contains(out, "one-time") {
		t.Fatalf("add with password file: %d %q %q", code, out, errs)
	}
	as := auth.New(db, auth.Config{Hash: auth.TestHashParams})
	ctx := context.Background()
	if _, err := as.Authenticate(ctx, "root", otp[1], ""); err != nil {
		t.Fatalf("printed one-time password does not work: %v", err)
	}
	if _, err := as.Authenticate(ctx, "sho", "a long station password", ""); err != nil {
		t.Fatalf("password from file (newline trimmed) does not work: %v", err)
	}
	code, out, _ = runCLI(t, dsn, "user", "list")
	if code != 0 || !regexp.MustCompile(`root\s+admin\s+-\s+-\s+must-change`).MatchString(out) || !strings.Contains(out, "station_officer") {
		t.Fatalf("list: %q", out)
	}
	code, out, errs = runCLI(t, dsn, "token", "create", "--username", "sho", "--name", "ci")
	secret := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(secret, "kvl_") || !strings.Contains(errs, "shown once") {
		t.Fatalf("token create: %d %q %q", code, out, errs)
	}
	p, err := as.ResolveToken(ctx, secret)
	if err != nil || p.Username != "sho" {
		t.Fatalf("token: %+v %v", p, err)
	}
	if code, out, _ := runCLI(t, dsn, "token", "list"); code != 0 || !strings.Contains(out, "active") {
		t.Fatalf("token list: %q", out)
	}
	if code, out, _ := runCLI(t, dsn, "token", "revoke", "--id", "1"); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %q", out)
	}
	if _, err := as.ResolveToken(ctx, secret); err == nil {
		t.Fatal("revoked token still resolves")
	}
	code, out, _ = runCLI(t, dsn, "user", "reset-password", "--username", "sho")
	if code != 0 || !regexp.MustCompile(`one-time password for sho: \S{23}`).MatchString(out) {
		t.Fatalf("reset: %q", out)
	}
	if code, _, _ := runCLI(t, dsn, "user", "disable", "--username", "sho"); code != 0 {
		t.Fatal("disable failed")
	}
	if code, _, errs := runCLI(t, dsn, "user", "disable", "--username", "root"); code != 1 || !strings.Contains(errs, "last enabled administrator") {
		t.Fatalf("disable last admin: %d %q", code, errs)
	}
	recs, _ := auth.ListAudit(ctx, db, auth.AuditFilter{})
	if len(recs) == 0 || recs[0].Actor != "cli:tester" {
		t.Fatalf("audit actor: %+v", recs)
	}
	if ok, _, _ := auth.VerifyAuditChain(ctx, db); !ok {
		t.Fatal("audit chain broken")
	}
}
