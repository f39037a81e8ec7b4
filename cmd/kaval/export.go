package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "export", summary: "export posts with their analysis as JSON lines (personal data redacted)", run: runExport})
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
