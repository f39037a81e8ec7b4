package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
)

func testKeys(t *testing.T) *ChainKeys {
	t.Helper()
	k, err := secretbox.ParseKey("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secretbox.New(k)
	return ChainKeysFrom(box)
}

// chainTest writes n entries keyed with keys and a checkpoint of them.
func chainTest(t *testing.T, db *store.DB, keys *ChainKeys, n int) string {
	t.Helper()
	ctx := context.Background()
	SetChainKeys(keys)
	t.Cleanup(func() { SetChainKeys(nil) })
	for i := 0; i < n; i++ {
		if err := Audit(ctx, db, Entry{Action: "case.assign", Target: "case:1", Details: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "audit-checkpoints.jsonl")
	if _, err := WriteCheckpoint(ctx, db, keys, path, false); err != nil {
		t.Fatal(err)
	}
	return path
}

func verify(t *testing.T, db *store.DB, keys *ChainKeys, path string) ChainReport {
	t.Helper()
	var cp *Checkpoint
	if path != "" {
		var err error
		if cp, err = LastCheckpoint(path, keys); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := VerifyChain(context.Background(), db, keys, cp)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func unguard(t *testing.T, db *store.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if db.Dialect == store.Postgres {
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`}
	}
	for _, s := range stmts {
		if _, err := db.Write.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// rehash recomputes every entry from id `from` on as someone with the
// database but not the master key can: plain SHA-256 (dropping the key
// id), or an HMAC under a key they guess.
func rehash(t *testing.T, db *store.DB, from int64, key []byte) { rehashRange(t, db, from, 1<<62, key) }

func rehashRange(t *testing.T, db *store.DB, from, to int64, key []byte) {
	t.Helper()
	ctx := context.Background()
	var prev string
	db.Read.QueryRow(`SELECT hash FROM audit_log WHERE id = $1`, from-1).Scan(&prev)
	rows, err := db.Read.Query(`SELECT `+auditColumns+` FROM audit_log WHERE id >= $1 AND id <= $2 ORDER BY id`, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var recs []AuditRecord
	var ats []int64
	for rows.Next() {
		r, at, err := scanAudit(rows)
		if err != nil {
			t.Fatal(err)
		}
		recs, ats = append(recs, r), append(ats, at)
	}
	rows.Close()
	for i, r := range recs {
		r.PrevHash = prev
		if key == nil {
			r.KeyID = ""
		}
		r.Hash = chainHash(r, ats[i], key)
		if _, err := db.Write.ExecContext(ctx, `UPDATE audit_log SET prev_hash = $1, hash = $2, key_id = $3 WHERE id = $4`, r.PrevHash, r.Hash, r.KeyID, r.ID); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
	}
	db.Write.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, prev)
}

func TestKeyedChainDetectsEditAndRehash(t *testing.T) {
	for _, attackerKey := range [][]byte{nil, []byte("a guessed key, not the master key")} {
		store.ForEach(t, func(t *testing.T, db *store.DB) {
			keys := testKeys(t)
			path := chainTest(t, db, keys, 10)
			if rep := verify(t, db, keys, path); !rep.OK || rep.Entries != 10 || rep.KeyedFrom != 1 || rep.Anchored != 10 {
				t.Fatalf("untouched chain: %+v", rep)
			}
			unguard(t, db)
			db.Write.Exec(`UPDATE audit_log SET details = '{"i":99}' WHERE id = 5`)
			rehash(t, db, 5, attackerKey)
			// Caught by the chain itself, checkpoint or not.
			for _, p := range []string{"", path} {
				if rep := verify(t, db, keys, p); rep.OK || rep.BadID != 5 {
					t.Fatalf("edited and re-hashed (checkpoint %q): %+v", p, rep)
				}
			}
		})
	}
}

func TestCheckpointDetectsTruncationAndRewind(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		keys := testKeys(t)
		path := chainTest(t, db, keys, 10)
		unguard(t, db)
		// The head rewound to entry 7, the entries after it left or cut.
		var h7 string
		db.Read.QueryRow(`SELECT hash FROM audit_log WHERE id = 7`).Scan(&h7)
		db.Write.Exec(`UPDATE audit_head SET seq = 7, hash = $1 WHERE id = 1`, h7)
		if rep := verify(t, db, keys, path); rep.OK || rep.BadID != 8 || !strings.Contains(rep.Reason, "rewound") {
			t.Fatalf("rewound head: %+v", rep)
		}
		db.Write.Exec(`DELETE FROM audit_log WHERE id > 7`)
		if rep := verify(t, db, keys, ""); !rep.OK {
			t.Fatalf("without the checkpoint the cut is invisible, as expected: %+v", rep)
		}
		if rep := verify(t, db, keys, path); rep.OK || rep.BadID != 8 {
			t.Fatalf("truncated and rewound: %+v", rep)
		}
	})
}

// The whole chain rebuilt unkeyed from the first entry, keying point reset,
// verifies on its own: the checkpoint catches it.
func TestCheckpointDetectsRebuiltChain(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		keys := testKeys(t)
		path := chainTest(t, db, keys, 6)
		unguard(t, db)
		db.Write.Exec(`UPDATE audit_log SET actor = 'nobody' WHERE id = 2`)
		rehash(t, db, 1, nil)
		db.Write.Exec(`UPDATE audit_head SET keyed_from = 0 WHERE id = 1`)
		if rep := verify(t, db, keys, path); rep.OK {
			t.Fatalf("rebuilt chain passed its checkpoint: %+v", rep)
		}
	})
}

// An old, unkeyed chain is keyed from the next entry on (the migration
// point), without rewriting the old entries; editing an old entry and
// re-hashing the old part breaks the first keyed entry.
func TestLegacyChainIsKeyedFromTheMigrationPoint(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		SetChainKeys(nil)
		for i := 0; i < 4; i++ {
			if err := Audit(ctx, db, Entry{Action: "user.create", Target: "user:1"}); err != nil {
				t.Fatal(err)
			}
		}
		keys := testKeys(t)
		path := chainTest(t, db, keys, 3)
		rep := verify(t, db, keys, path)
		if !rep.OK || rep.KeyedFrom != 5 || rep.Entries != 7 {
			t.Fatalf("keyed chain: %+v", rep)
		}
		var legacy, keyed string
		db.Read.QueryRow(`SELECT key_id FROM audit_log WHERE id = 4`).Scan(&legacy)
		db.Read.QueryRow(`SELECT key_id FROM audit_log WHERE id = 5`).Scan(&keyed)
		if legacy != "" || keyed != keys.Current {
			t.Fatalf("key ids: %q %q", legacy, keyed)
		}
		// Without the key, nothing more can be appended.
		SetChainKeys(nil)
		if err := Audit(ctx, db, Entry{Action: "x.y"}); err == nil {
			t.Fatal("an unkeyed entry was appended to a keyed chain")
		}
		unguard(t, db)
		db.Write.Exec(`UPDATE audit_log SET target = 'user:2' WHERE id = 2`)
		rehashRange(t, db, 2, 4, nil)
		db.Write.Exec(`UPDATE audit_head SET hash = (SELECT hash FROM audit_log WHERE id = 7) WHERE id = 1`)
		if rep := verify(t, db, keys, ""); rep.OK || rep.BadID != 5 {
			t.Fatalf("edited legacy entry: %+v", rep)
		}
		// A missing master key is said, not taken for tampering.
		if rep := verify(t, db, &ChainKeys{Current: "x", Keys: map[string][]byte{}}, ""); rep.OK {
			t.Fatalf("verified without the key: %+v", rep)
		}
	})
}

func TestCheckpointFileTamperingIsRefused(t *testing.T) {
	db := store.NewTestSQLite(t)
	keys := testKeys(t)
	path := chainTest(t, db, keys, 3)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), `"seq":3`, `"seq":2`, 1)), 0o600)
	if _, err := LastCheckpoint(path, keys); err == nil || !strings.Contains(err.Error(), "edited") {
		t.Fatalf("edited checkpoint: %v", err)
	}
	if _, err := LastCheckpoint(filepath.Join(t.TempDir(), "none"), keys); err != nil {
		t.Fatal(err)
	}
}
