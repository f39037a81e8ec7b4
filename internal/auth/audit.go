package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Entry is one audited change. ActorID/Actor default to the Principal in
// the context (or "system"); IP defaults to the context's client IP.
type Entry struct {
	ActorID int64  // 0 = system
	Actor   string // username, or "system", "cli", "rules"…
	Action  string // dotted verb: user.create, token.revoke, case.assign
	Target  string // kind:id, e.g. "user:12", "case:BCP-2026-000123"
	Details any    // anything json.Marshal accepts; maps encode with sorted keys
	IP      string
}

// AuditRecord is a stored entry.
type AuditRecord struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	ActorID  int64           `json:"actor_id,omitempty"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Target   string          `json:"target"`
	Details  json.RawMessage `json:"details"`
	IP       string          `json:"ip,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// auditNow is the audit clock; tests may replace it.
var auditNow = time.Now

// Audit appends e in its own transaction. Inside a transaction use AuditTx
// instead: on SQLite the write pool has one connection, so calling Audit
// while holding a transaction would wait for itself.
func Audit(ctx context.Context, db *store.DB, e Entry) error {
	return db.Tx(ctx, func(tx *sql.Tx) error { return AuditTx(ctx, tx, e) })
}

// AuditTx appends e inside the caller's transaction, so the change and its
// record commit or roll back together. On PostgreSQL the head row stays
// locked until the caller's transaction ends: keep such transactions short.
func AuditTx(ctx context.Context, tx *sql.Tx, e Entry) error {
	if e.Action == "" {
		return errors.New("auth: audit entry without action")
	}
	if p := FromContext(ctx); p != nil && e.ActorID == 0 && e.Actor == "" {
		e.ActorID, e.Actor = p.UserID, p.Username
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	if e.IP == "" {
		e.IP = ClientIP(ctx)
	}
	details := []byte("{}")
	if e.Details != nil {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("auth: unable to encode audit details: %w", err)
		}
		details = b
	}
	// Taking the head first serialises concurrent appenders (row lock on
	// PostgreSQL; SQLite has one writer anyway).
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("auth: unable to lock audit head: %w", err)
	}
	at := store.Millis(auditNow())
	r := AuditRecord{ID: seq, At: store.Time(at), ActorID: e.ActorID, Actor: e.Actor, Action: e.Action,
		Target: e.Target, Details: details, IP: e.IP, PrevHash: prev}
	r.Hash = chainHash(r, at)
	var actor any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, actor, action, target, details, ip, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.ID, at, actor, r.Actor, r.Action, r.Target, string(details), r.IP, r.PrevHash, r.Hash); err != nil {
		return fmt.Errorf("auth: unable to append audit entry: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, r.Hash); err != nil {
		return fmt.Errorf("auth: unable to advance audit head: %w", err)
	}
	return nil
}

// chainHash is SHA-256 over the canonical form of a record: a JSON array of
// its fields in fixed order (strings escaped by encoding/json, so no field
// can bleed into the next), ending with the previous hash.
func chainHash(r AuditRecord, atMillis int64) string {
	canon, _ := json.Marshal([]any{
		strconv.FormatInt(r.ID, 10), strconv.FormatInt(atMillis, 10), strconv.FormatInt(r.ActorID, 10),
		r.Actor, r.Action, r.Target, string(r.Details), r.IP, r.PrevHash,
	})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// VerifyAuditChain recomputes the chain from the first entry. It returns
// ok=false and the id of the first bad entry when a row was changed,
// removed (ids are contiguous) or inserted, and badID = last id + 1 when
// entries were cut from the end (the head remembers the last hash).
func VerifyAuditChain(ctx context.Context, db *store.DB) (ok bool, badID int64, err error) {
	var headSeq int64
	var headHash string
	if err := db.Read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return false, 0, fmt.Errorf("auth: unable to read audit head: %w", err)
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT id, at, actor_id, actor, action, target, details, ip, prev_hash, hash
		FROM audit_log WHERE id <= $1 ORDER BY id`, headSeq)
	if err != nil {
		return false, 0, fmt.Errorf("auth: unable to read audit log: %w", err)
	}
	defer rows.Close()
	var want int64 = 1
	prev := ""
	for rows.Next() {
		r, at, err := scanAudit(rows)
		if err != nil {
			return false, 0, err
		}
		if r.ID != want {
			return false, want, nil // a gap: entry `want` was removed
		}
		if r.PrevHash != prev || chainHash(r, at) != r.Hash {
			return false, r.ID, nil
		}
		prev = r.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return false, 0, fmt.Errorf("auth: unable to read audit log: %w", err)
	}
	if want-1 != headSeq || prev != headHash {
		return false, want, nil
	}
	return true, 0, nil
}

type scanner interface{ Scan(...any) error }

func scanAudit(s scanner) (AuditRecord, int64, error) {
	var r AuditRecord
	var at int64
	var actor sql.NullInt64
	var details string
	if err := s.Scan(&r.ID, &at, &actor, &r.Actor, &r.Action, &r.Target, &details, &r.IP, &r.PrevHash, &r.Hash); err != nil {
		return r, 0, fmt.Errorf("auth: unable to scan audit entry: %w", err)
	}
	r.At = store.Time(at)
	r.ActorID = actor.Int64
	r.Details = json.RawMessage(details)
	return r, at, nil
}

// AuditFilter narrows ListAudit. Zero values match everything; results are
// newest first, BeforeID pages backwards.
type AuditFilter struct {
	ActorID  int64
	Action   string // exact, or a prefix ending in "." (e.g. "user.")
	Target   string
	BeforeID int64
	Limit    int // default 100, max 1000
}

// ListAudit returns entries matching f, newest first.
func ListAudit(ctx context.Context, db *store.DB, f AuditFilter) ([]AuditRecord, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	if f.ActorID != 0 {
		add("actor_id = ?", f.ActorID)
	}
	if strings.HasSuffix(f.Action, ".") {
		add("substr(action, 1, "+strconv.Itoa(len(f.Action))+") = ?", f.Action)
	} else if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Target != "" {
		add("target = ?", f.Target)
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	q := `SELECT id, at, actor_id, actor, action, target, details, ip, prev_hash, hash FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + strconv.Itoa(f.Limit)
	rows, err := db.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: unable to list audit log: %w", err)
	}
	defer rows.Close()
	out := []AuditRecord{}
	for rows.Next() {
		r, _, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
