package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// kaval audit verify passes on an intact chain, and names the entry and
// exits non-zero once one was edited, even re-hashed; a backup anchors
// the head in the checkpoint file.
func TestAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "kaval.db")
	db := "sqlite:" + dbPath
	getenv := func(k string) string {
		switch k {
		case "KAVAL_MASTER_KEY":
			return "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		case "KAVAL_DATA_DIR":
			return dir
		}
		return ""
	}
	for _, u := range []string{"asha", "ravi", "meera"} {
		if _, errs, code := runWith(t, getenv, "user", "add", "--db", db, "--username", u, "--role", "agent"); code != 0 {
			t.Fatalf("user add: %s", errs)
		}
	}
	out, errs, code := runWith(t, getenv, "backup", "--db", db, "--out", filepath.Join(dir, "b.db"))
	if code != 0 || !strings.Contains(out, "audit checkpoint: entry 3") {
		t.Fatalf("backup: %d %s %s", code, out, errs)
	}
	out, errs, code = runWith(t, getenv, "audit", "verify", "--db", db)
	if code != 0 || !strings.Contains(out, "intact: 3 entries") || !strings.Contains(out, "checkpoint at entry 3") {
		t.Fatalf("verify: %d %s %s", code, out, errs)
	}
	// Without the master key the chain cannot be checked: said, exit 1.
	if _, errs, code := runWith(t, func(string) string { return "" }, "audit", "verify", "--db", db); code == 0 || !strings.Contains(errs, "master key") {
		t.Fatalf("verify without a key: %d %s", code, errs)
	}
	raw, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	raw.Exec(`DROP TRIGGER audit_log_no_update`)
	if _, err := raw.Exec(`UPDATE audit_log SET target = 'user:999' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, errs, code = runWith(t, getenv, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(errs, "BROKEN at entry 2") {
		t.Fatalf("tampered: %d %s", code, errs)
	}
}
