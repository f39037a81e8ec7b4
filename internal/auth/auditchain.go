package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// ChainKeys key the audit chain. They are derived from the master key,
// which never touches the database: someone who can write the database
// but has not the master key can neither append an entry that verifies
// nor edit one and re-hash the rest, as they could with plain SHA-256.
type ChainKeys struct {
	Current string            // key id new entries are keyed with
	Keys    map[string][]byte // every key that may have keyed an entry, by id (older master keys too)
}

// ChainKeysFrom derives the chain keys from the master key box.
func ChainKeysFrom(box *secretbox.Box) *ChainKeys {
	id, keys := box.Derive("audit chain v1")
	return &ChainKeys{Current: id, Keys: keys}
}

// chainKeys are the process's chain keys. A process runs one desk with one
// master key, and every caller of Audit and AuditTx (in many packages)
// must key its entries with it, so it is set once at start-up
// (app.New, the CLI) rather than passed to each call.
var chainKeys atomic.Pointer[ChainKeys]

// SetChainKeys sets the keys new audit entries are keyed with (nil: none,
// for tests of other packages; entries are then plain SHA-256 until the
// chain is keyed, and refused after).
func SetChainKeys(k *ChainKeys) { chainKeys.Store(k) }

const auditColumns = `id, at, actor_id, actor, action, target, details, ip, prev_hash, hash, key_id`

// chainHash is the hash of a record: over the canonical form of its
// fields (a JSON array in fixed order, strings escaped by encoding/json so
// no field can bleed into the next, ending with the previous hash), an
// HMAC-SHA256 under key for keyed entries (with the key id in the form),
// plain SHA-256 for the entries written before the chain was keyed.
func chainHash(r AuditRecord, atMillis int64, key []byte) string {
	fields := []any{
		strconv.FormatInt(r.ID, 10), strconv.FormatInt(atMillis, 10), strconv.FormatInt(r.ActorID, 10),
		r.Actor, r.Action, r.Target, string(r.Details), r.IP, r.PrevHash,
	}
	if key == nil {
		canon, _ := json.Marshal(fields)
		sum := sha256.Sum256(canon)
		return hex.EncodeToString(sum[:])
	}
	canon, _ := json.Marshal(append(fields, r.KeyID))
	m := hmac.New(sha256.New, key)
	m.Write(canon)
	return hex.EncodeToString(m.Sum(nil))
}

// ChainReport is the outcome of verifying the audit chain.
type ChainReport struct {
	OK        bool   `json:"ok"`
	BadID     int64  `json:"bad_id,omitempty"` // the first entry that does not verify (last id + 1 for a cut tail)
	Reason    string `json:"reason,omitempty"`
	Entries   int64  `json:"entries"`
	Head      string `json:"head"`
	KeyedFrom int64  `json:"keyed_from"` // the first keyed entry; 0 while none is
	Anchored  int64  `json:"anchored"`   // the checkpoint's entry the chain was held to, 0 for none
}

func (r ChainReport) String() string {
	if r.OK {
		s := fmt.Sprintf("audit chain intact: %d entries, head %.16s…", r.Entries, r.Head)
		if r.Anchored > 0 {
			s += fmt.Sprintf(", matches the checkpoint at entry %d", r.Anchored)
		}
		return s
	}
	return fmt.Sprintf("audit chain BROKEN at entry %d: %s", r.BadID, r.Reason)
}

// VerifyChain recomputes the chain from the first entry with keys, and
// holds it to cp, a checkpoint kept outside the database (nil for none).
// It finds an entry changed, removed (ids are contiguous) or inserted; a
// tail cut with the head rewound to match, by the checkpoint; an entry
// re-hashed or appended without the master key; the migration point
// moved.
func VerifyChain(ctx context.Context, db *store.DB, keys *ChainKeys, cp *Checkpoint) (ChainReport, error) {
	var rep ChainReport
	var headSeq int64
	if err := db.Read.QueryRowContext(ctx, `SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1`).Scan(&headSeq, &rep.Head, &rep.KeyedFrom); err != nil {
		return rep, fmt.Errorf("auth: unable to read audit head: %w", err)
	}
	bad := func(id int64, format string, args ...any) (ChainReport, error) {
		rep.OK, rep.BadID, rep.Reason = false, id, fmt.Sprintf(format, args...)
		return rep, nil
	}
	if cp != nil {
		switch {
		case headSeq < cp.Seq:
			return bad(headSeq+1, "the log ends at entry %d but the checkpoint of %s saw %d: entries were cut and the head rewound", headSeq, cp.At.Format("2006-01-02 15:04:05Z07:00"), cp.Seq)
		case cp.KeyedFrom != 0 && rep.KeyedFrom != cp.KeyedFrom:
			return bad(min(rep.KeyedFrom, cp.KeyedFrom), "the keying point moved from entry %d to %d", cp.KeyedFrom, rep.KeyedFrom)
		}
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE id <= $1 ORDER BY id`, headSeq)
	if err != nil {
		return rep, fmt.Errorf("auth: unable to read audit log: %w", err)
	}
	defer rows.Close()
	var want int64 = 1
	prev := ""
	for rows.Next() {
		r, at, err := scanAudit(rows)
		if err != nil {
			return rep, err
		}
		if r.ID != want {
			return bad(want, "entry %d is missing", want)
		}
		if r.PrevHash != prev {
			return bad(r.ID, "it does not follow the entry before it")
		}
		keyed := rep.KeyedFrom != 0 && r.ID >= rep.KeyedFrom
		var key []byte
		switch {
		case keyed && r.KeyID == "":
			return bad(r.ID, "an unkeyed entry after the chain was keyed at entry %d", rep.KeyedFrom)
		case !keyed && r.KeyID != "":
			return bad(r.ID, "a keyed entry before the keying point")
		case keyed:
			if keys == nil || keys.Keys[r.KeyID] == nil {
				return bad(r.ID, "keyed with master key %s, which is not loaded (set it in KAVAL_MASTER_KEY or KAVAL_MASTER_KEY_OLD)", r.KeyID)
			}
			key = keys.Keys[r.KeyID]
		}
		if !hmac.Equal([]byte(chainHash(r, at, key)), []byte(r.Hash)) {
			return bad(r.ID, "its contents do not match its hash: edited, or re-hashed without the master key")
		}
		if cp != nil && r.ID == cp.Seq && r.Hash != cp.Hash {
			return bad(r.ID, "it differs from the checkpoint of %s", cp.At.Format("2006-01-02 15:04:05Z07:00"))
		}
		prev = r.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("auth: unable to read audit log: %w", err)
	}
	if want-1 != headSeq || prev != rep.Head {
		return bad(want, "the head (entry %d) does not match the last entry", headSeq)
	}
	rep.OK, rep.Entries = true, headSeq
	if cp != nil {
		rep.Anchored = cp.Seq
	}
	return rep, nil
}

// VerifyAuditChain verifies the chain with the process's keys and no
// checkpoint: ok=false and the id of the first bad entry when a row was
// changed, removed or inserted, or cut from the end.
func VerifyAuditChain(ctx context.Context, db *store.DB) (ok bool, badID int64, err error) {
	rep, err := VerifyChain(ctx, db, chainKeys.Load(), nil)
	return rep.OK, rep.BadID, err
}
