package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "export", summary: "export posts with their analysis as JSON lines (personal data redacted)", run: runExport})
	register(command{name: "backup", summary: "write a consistent online backup of the SQLite database", run: runBackup})
}

func runExport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "export", "[--db URL] [--since 2026-01-02] [--include-pii] > posts.jsonl")
	dsn := dbFlag(fs, env)
	since := fs.String("since", "", "only posts created on or after this date (YYYY-MM-DD, UTC)")
	withPII := fs.Bool("include-pii", false, "keep phone numbers, Aadhaar, vehicle numbers and e-mails (only for lawful requests)")
	withRaw := fs.Bool("raw", false, "include the raw platform payloads (with --include-pii only: they hold personal data unredacted)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *withRaw && !*withPII {
		return fmt.Errorf("--raw needs --include-pii: raw payloads hold personal data unredacted")
	}
	var f desk.PostFilter
	if *since != "" {
		t, err := time.Parse("2006-01-02", *since)
		if err != nil {
			return fmt.Errorf("--since: %w", err)
		}
		f.Since = store.Millis(t)
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	d := desk.New(db, desk.Options{})
	w := bufio.NewWriterSize(env.stdout, 256<<10)
	defer w.Flush()
	enc := json.NewEncoder(w)
	prog := newProgress(env.stderr, "export", 0)
	var n int64
	f.Limit = 500
	for {
		posts, err := d.ListPosts(ctx, f, desk.Scope{})
		if err != nil {
			return err
		}
		for _, p := range posts {
			if *withRaw {
				if _, raw, err := d.GetPost(ctx, p.ID, desk.Scope{}); err == nil {
					p.Raw = raw
				}
			}
			// The desk's one privacy rule, as for a person without
			// pii:view: personal data found afresh in the text, private
			// conversations' authors hidden, the raw payload dropped.
			privacy.Viewer{PII: *withPII}.Post(&p)
			if err := enc.Encode(p); err != nil {
				return err
			}
			n++
		}
		prog.update(n, "")
		if len(posts) < f.Limit {
			break
		}
		f.BeforeID = posts[len(posts)-1].ID
	}
	prog.done(n, "")
	return nil
}

func runBackup(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "backup", "[--db URL] [--out FILE]")
	dsn := dbFlag(fs, env)
	out := fs.String("out", "", "backup file (default DATA/backups/kaval-YYYYmmdd-HHMMSS.db)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasPrefix(*dsn, "sqlite:") {
		fmt.Fprintln(env.stdout, `PostgreSQL keeps its own consistent backups; use its tools, e.g.:
  pg_dump --format=custom --file=kaval.dump "$KAVAL_DB"      # logical, consistent snapshot
  pg_basebackup -D /backups/kaval -X stream                  # physical, for point-in-time recovery
Restore with pg_restore --clean --dbname "$KAVAL_DB" kaval.dump.`)
		return nil
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	path := *out
	if path == "" {
		dir := filepath.Join(filepath.Dir(strings.TrimPrefix(*dsn, "sqlite:")), "backups")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
		path = filepath.Join(dir, "kaval-"+time.Now().UTC().Format("20060102-150405")+".db")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists; not overwriting", path)
	}
	// VACUUM INTO reads one consistent snapshot while writers carry on (WAL).
	if _, err := db.Write.ExecContext(ctx, "VACUUM INTO $1", path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "backup written to %s (%d bytes)\n", path, st.Size())
	return nil
}
