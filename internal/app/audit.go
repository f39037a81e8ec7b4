package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// CheckpointFile is where the audit chain's signed checkpoints are kept:
// KAVAL_AUDIT_CHECKPOINTS, or audit-checkpoints.jsonl in the data
// directory. Put it where the database's users cannot write (another
// volume, append-only storage) for the anchor to be worth most.
func CheckpointFile(dataDir string, getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	if p := getenv("KAVAL_AUDIT_CHECKPOINTS"); p != "" {
		return p
	}
	return filepath.Join(dataDir, "audit-checkpoints.jsonl")
}

// LoadMasterKey is the master key for commands that work on a desk's
// database (the audit chain's key and the sealed secrets): the
// environment's, or the key file the embedded default keeps in the data
// directory. Unlike serve, it never creates a key.
func LoadMasterKey(dataDir string, getenv func(string) string) (*secretbox.Box, error) {
	box, err := secretbox.FromEnv(getenv)
	if !errors.Is(err, secretbox.ErrNoKey) {
		return box, err
	}
	path := filepath.Join(dataDir, "master.key")
	if _, err := os.Stat(path); err != nil {
		return nil, secretbox.ErrNoKey
	}
	key, err := secretbox.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, err
	}
	return secretbox.New(key)
}

// auditWatch verifies the audit chain against the last checkpoint at
// start and then every interval, and writes a new checkpoint (file and log
// line) after each verification that passes. A failure is logged at error,
// counted, and the chain gauge drops to 0: the chain is evidence, and a
// break must reach a person.
type auditWatch struct {
	db    *store.DB
	keys  *auth.ChainKeys
	path  string
	log   *slog.Logger
	every time.Duration

	intact   prometheus.Gauge
	failures prometheus.Counter
	entries  prometheus.Gauge
}

func newAuditWatch(db *store.DB, keys *auth.ChainKeys, path string, every time.Duration, log *slog.Logger, reg prometheus.Registerer) *auditWatch {
	w := &auditWatch{db: db, keys: keys, path: path, log: log, every: every,
		intact: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kaval_audit_chain_intact",
			Help: "1 when the audit chain verified against its last checkpoint at the last check, 0 when it did not"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "kaval_audit_chain_failures_total",
			Help: "Verifications of the audit chain that failed (tampering, or a missing master key)"}),
		entries: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kaval_audit_chain_entries", Help: "Entries in the verified audit chain"}),
	}
	reg.MustRegister(w.intact, w.failures, w.entries)
	return w
}

// check verifies once and, when the chain holds, anchors its head.
func (w *auditWatch) check(ctx context.Context) (auth.ChainReport, error) {
	cp, err := auth.LastCheckpoint(w.path, w.keys)
	if err != nil {
		w.fail(err.Error(), 0)
		return auth.ChainReport{}, err
	}
	rep, err := auth.VerifyChain(ctx, w.db, w.keys, cp)
	if err != nil {
		return rep, err // the database is unreachable: not evidence of tampering
	}
	if !rep.OK {
		w.fail(rep.Reason, rep.BadID)
		return rep, fmt.Errorf("app: %s", rep)
	}
	w.intact.Set(1)
	w.entries.Set(float64(rep.Entries))
	if cp == nil || cp.Seq != rep.Entries || cp.Hash != rep.Head {
		c, err := auth.WriteCheckpoint(ctx, w.db, w.keys, w.path, false)
		if err != nil {
			w.log.Error("audit checkpoint not written", "file", w.path, "err", err)
			return rep, err
		}
		w.log.Info("audit checkpoint", "seq", c.Seq, "hash", c.Hash, "keyed_from", c.KeyedFrom, "mac", c.MAC, "file", w.path)
	}
	return rep, nil
}

func (w *auditWatch) fail(reason string, entry int64) {
	w.intact.Set(0)
	w.failures.Inc()
	w.log.Error("AUDIT CHAIN BROKEN: the audit log was altered or cannot be verified; preserve the database and the checkpoint file, and investigate",
		"entry", entry, "reason", reason, "checkpoints", w.path)
}

func (w *auditWatch) run(ctx context.Context) {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		if _, err := w.check(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("audit chain check", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
