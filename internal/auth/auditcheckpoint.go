package auth

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Checkpoint anchors the audit chain outside the database: the head (last
// entry and its hash) and the keying point at a moment, signed with the
// chain key. Kept in a file (one JSON line each, appended) and in the log,
// it catches what the chain alone cannot: entries cut from the end with
// the head rewound to match, or the whole chain rebuilt by someone who
// holds the database but not the master key.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	KeyedFrom int64     `json:"keyed_from"`
	At        time.Time `json:"at"`
	KeyID     string    `json:"key_id"`
	// Restored marks the head of a database restored from a backup: the
	// chain legitimately goes back to it, and later checkpoints hold it
	// from there.
	Restored bool   `json:"restored,omitempty"`
	MAC      string `json:"mac"`
}

func (c Checkpoint) mac(key []byte) string {
	m := hmac.New(sha256.New, key)
	canon, _ := json.Marshal([]string{"kaval audit checkpoint v1", strconv.FormatInt(c.Seq, 10), c.Hash,
		strconv.FormatInt(c.KeyedFrom, 10), strconv.FormatInt(c.At.UnixMilli(), 10), c.KeyID, strconv.FormatBool(c.Restored)})
	m.Write(canon)
	return hex.EncodeToString(m.Sum(nil))
}

// ErrNoChainKeys is returned where the chain key is needed and none is set.
var ErrNoChainKeys = errors.New("auth: no audit chain key (the master key is not loaded)")

// WriteCheckpoint reads the chain's head and appends a signed checkpoint
// to the file at path (created 0600), synced before it returns.
func WriteCheckpoint(ctx context.Context, db *store.DB, keys *ChainKeys, path string, restored bool) (Checkpoint, error) {
	c := Checkpoint{Restored: restored}
	if keys == nil || keys.Keys[keys.Current] == nil {
		return c, ErrNoChainKeys
	}
	if err := db.Read.QueryRowContext(ctx, `SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1`).Scan(&c.Seq, &c.Hash, &c.KeyedFrom); err != nil {
		return c, fmt.Errorf("auth: unable to read audit head: %w", err)
	}
	c.At = time.UnixMilli(time.Now().UnixMilli()).UTC()
	c.KeyID = keys.Current
	c.MAC = c.mac(keys.Keys[c.KeyID])
	line, _ := json.Marshal(c)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return c, fmt.Errorf("auth: unable to write the audit checkpoint: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return c, fmt.Errorf("auth: unable to write the audit checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return c, fmt.Errorf("auth: unable to write the audit checkpoint: %w", err)
	}
	return c, f.Close()
}

// LastCheckpoint returns the newest checkpoint in the file at path (nil
// when there is no file yet). A line whose signature does not verify is an
// error: the file was edited.
func LastCheckpoint(path string, keys *ChainKeys) (*Checkpoint, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: unable to read the audit checkpoints: %w", err)
	}
	defer f.Close()
	var last *Checkpoint
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			// A line cut by a crash mid-write can only be the last one.
			continue
		}
		if keys == nil || keys.Keys[c.KeyID] == nil {
			return nil, fmt.Errorf("auth: audit checkpoint on line %d is signed with master key %s, which is not loaded", n, c.KeyID)
		}
		if !hmac.Equal([]byte(c.mac(keys.Keys[c.KeyID])), []byte(c.MAC)) {
			return nil, fmt.Errorf("auth: audit checkpoint on line %d does not verify: the checkpoint file was edited", n)
		}
		if last != nil && c.Seq < last.Seq && !c.Restored {
			return nil, fmt.Errorf("auth: audit checkpoint on line %d goes back from entry %d to %d", n, last.Seq, c.Seq)
		}
		last = &c
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth: unable to read the audit checkpoints: %w", err)
	}
	return last, nil
}
