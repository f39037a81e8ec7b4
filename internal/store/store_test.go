package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMigrateTwice(t *testing.T) {
	ForEach(t, func(t *testing.T, db *DB) {
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		var n int
		if err := db.Read.QueryRow("SELECT count(*) FROM posts").Scan(&n); err != nil || n != 0 {
			t.Fatalf("posts: %d %v", n, err)
		}
	})
}

func TestOpenRejectsUnknown(t *testing.T) {
	if _, err := Open(context.Background(), "mysql://u:secret@h/db"); err == nil {
		t.Fatal("want error")
	} else if got := err.Error(); contains(got, "secret") {
		t.Fatalf("password leaked: %s", got)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// The WAL is copied into the database file in the background, without a
// commit reaching SQLite's own checkpoint threshold: a few hundred pages
// written by the writer reach the main file within a couple of
// checkpoint periods.
func TestSQLiteCheckpointsInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.db")
	db, err := Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Write.Exec("CREATE TABLE blobs (b BLOB)"); err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	blob := make([]byte, 64<<10)
	for range 32 { // 2 MB, ~520 pages: under the 1,000 at which SQLite would checkpoint by itself
		if _, err := db.Write.Exec("INSERT INTO blobs VALUES (?)", blob); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() < before+(2<<20) {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes after 5 s (was %d): the WAL was not checkpointed", size(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var n int
	if err := db.Read.QueryRow("SELECT count(*) FROM blobs").Scan(&n); err != nil || n != 32 {
		t.Fatalf("rows %d, %v", n, err)
	}
}

// A path with URI characters opens that very file: "#" used to end the
// path, so two databases in "x#1/" and "x#2/" were one file "x".
func TestSQLitePathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"a#1", "a#2", "b?c", "d%20e"} {
		p := filepath.Join(dir, sub, "kaval.db")
		os.MkdirAll(filepath.Dir(p), 0o750)
		db, err := Open(context.Background(), "sqlite:"+p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Write.Exec("CREATE TABLE t (x)"); err != nil {
			t.Fatalf("%s: %v", sub, err) // the second "a#…" would find t already there
		}
		db.Close()
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v", sub, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); err == nil {
		t.Fatal("opened the path cut at '#'")
	}
}
