package auth

import (
	"context"
	"database/sql"
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
	KeyID    string          `json:"key_id,omitempty"` // the master key whose derived key MACs this entry; "" before the chain was keyed
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
	var seq, keyedFrom int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, keyed_from`).Scan(&seq, &prev, &keyedFrom); err != nil {
		return fmt.Errorf("auth: unable to lock audit head: %w", err)
	}
	at := store.Millis(auditNow())
	r := AuditRecord{ID: seq, At: store.Time(at), ActorID: e.ActorID, Actor: e.Actor, Action: e.Action,
		Target: e.Target, Details: details, IP: e.IP, PrevHash: prev}
	var key []byte
	switch keys := chainKeys.Load(); {
	case keys != nil:
		r.KeyID, key = keys.Current, keys.Keys[keys.Current]
		if keyedFrom == 0 {
			// The migration point: from this entry on, every entry is keyed.
			if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET keyed_from = $1 WHERE id = 1`, seq); err != nil {
				return fmt.Errorf("auth: unable to key the audit chain: %w", err)
			}
		}
	case keyedFrom != 0:
		return errors.New("auth: the audit chain is keyed with the master key, which this process has not loaded (set KAVAL_MASTER_KEY)")
	}
	r.Hash = chainHash(r, at, key)
	var actor any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, actor, action, target, details, ip, prev_hash, hash, key_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, at, actor, r.Actor, r.Action, r.Target, string(details), r.IP, r.PrevHash, r.Hash, r.KeyID); err != nil {
		return fmt.Errorf("auth: unable to append audit entry: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, r.Hash); err != nil {
		return fmt.Errorf("auth: unable to advance audit head: %w", err)
	}
	return nil
}

type scanner interface{ Scan(...any) error }

func scanAudit(s scanner) (AuditRecord, int64, error) {
	var r AuditRecord
	var at int64
	var actor sql.NullInt64
	var details string
	if err := s.Scan(&r.ID, &at, &actor, &r.Actor, &r.Action, &r.Target, &details, &r.IP, &r.PrevHash, &r.Hash, &r.KeyID); err != nil {
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
	q := `SELECT ` + auditColumns + ` FROM audit_log`
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
