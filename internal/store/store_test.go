package store

import (
	"context"
	"testing"
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
