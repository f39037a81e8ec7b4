package outbox_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// A backup taken while replies wait, restored after the live desk sent
// them, sends nothing until a person releases each item: restoring used
// to send every one of them again (24 of 24 duplicates in the crash check).
func TestRestoredBackupHoldsTheOutbox(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := setup(t, db)
		a := e.reply(t, "r-a", "we are on it", false)
		b := e.reply(t, "r-b", "a constable is coming", false)
		c := e.reply(t, "r-c", "waiting for a supervisor", true)
		d := e.reply(t, "r-d", "was being sent", false)
		db.Write.Exec(`UPDATE outbox SET state = 'sending', claimed_by = 'w', claim_expires_at = 1 WHERE id = $1`, d)

		path := filepath.Join(t.TempDir(), "kaval-backup")
		info, err := db.Backup(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Bytes == 0 || info.Version < 431 {
			t.Fatalf("backup: %+v", info)
		}
		// The live desk sends what was pending after the backup.
		runOnce(t, e.worker(outbox.WorkerOptions{}))
		if n := e.srv.Posts.Load(); n != 2 {
			t.Fatalf("live desk sent %d", n)
		}

		// Restore, as `kaval restore` does.
		restored := restore(t, db, path)
		ob := outbox.New(restored).WithClock(e.clk.Now)
		held, was, err := ob.HoldRestored(ctx, nil)
		if err != nil || !was || held != 4 {
			t.Fatalf("held %d (restored %v): %v", held, was, err)
		}
		e.o = ob
		w := e.worker(outbox.WorkerOptions{})
		runOnce(t, w)
		if n := e.srv.Posts.Load(); n != 2 {
			t.Fatalf("the restored desk sent %d before anyone confirmed", n-2)
		}
		list, err := ob.List(ctx, outbox.Filter{States: []outbox.State{outbox.Held}})
		if err != nil || len(list) != 4 {
			t.Fatalf("held list: %d %v", len(list), err)
		}
		for _, it := range list {
			if !strings.HasPrefix(it.DecisionNote, outbox.RestoredNote) {
				t.Fatalf("held without its reason: %+v", it)
			}
		}
		// A second start holds nothing more.
		if held, was, _ := ob.HoldRestored(ctx, nil); held != 0 || was {
			t.Fatalf("second start held %d", held)
		}

		// A person checks the platform: a was not sent after all (release),
		// b was (cancel); c goes back to its approver; d back to pending.
		if err := ob.Release(ctx, a, 5, "not on the platform"); err != nil {
			t.Fatal(err)
		}
		if err := ob.Cancel(ctx, b, 5, "already answered"); err != nil {
			t.Fatal(err)
		}
		if err := ob.Release(ctx, c, 5, ""); err != nil {
			t.Fatal(err)
		}
		if err := ob.Release(ctx, d, 5, ""); err != nil {
			t.Fatal(err)
		}
		if err := ob.Release(ctx, a, 5, ""); !errors.Is(err, outbox.ErrState) {
			t.Fatalf("release of a released item: %v", err)
		}
		runOnce(t, w)
		for id, want := range map[int64]outbox.State{a: outbox.Sent, b: outbox.Cancelled, c: outbox.AwaitingApproval, d: outbox.Sent} {
			if it := e.get(t, id); it.State != want {
				t.Errorf("item %d: %s, want %s (%s)", id, it.State, want, it.DecisionNote)
			}
		}
		if n := e.srv.Posts.Load(); n != 4 {
			t.Fatalf("after release: %d sends, want 4", n)
		}
	})
}

// restore puts the backup in place of db's data and opens it.
func restore(t *testing.T, db *store.DB, path string) *store.DB {
	t.Helper()
	ctx := context.Background()
	dsn := db.ConnURL()
	if db.Dialect == store.SQLite {
		dsn = "sqlite:" + filepath.Join(t.TempDir(), "restored.db")
	}
	taken, err := store.RestoreFile(ctx, path, dsn, false)
	if err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if err := r.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkRestorePoint(ctx, taken, path); err != nil {
		t.Fatal(err)
	}
	return r
}

// A backup that fails leaves nothing under the final name, not a file
// that would open as an empty desk.
func TestFailedBackupLeavesNoFile(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		path := filepath.Join(dir, "kaval-backup")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := db.Backup(ctx, path); err == nil {
			t.Fatal("a cancelled backup succeeded")
		}
		left, _ := os.ReadDir(dir)
		if len(left) != 0 {
			t.Fatalf("left behind: %v", left)
		}
	})
}
