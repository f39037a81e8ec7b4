package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "audit", summary: "verify the audit chain against its signed checkpoints", run: runAudit})
}

func runAudit(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(env.stderr, "Usage: kaval audit verify [--db URL] [--checkpoints FILE]")
		return errUsage
	}
	fs := newFlags(env, "audit verify", "[--db URL] [--checkpoints FILE]")
	dsn := dbFlag(fs, env)
	dataDir := envOr(env, "KAVAL_DATA_DIR", "data")
	file := fs.String("checkpoints", app.CheckpointFile(dataDir, env.getenv), "the signed checkpoint file (env KAVAL_AUDIT_CHECKPOINTS)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	keys, err := chainKeys(env, *dsn)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	cp, err := auth.LastCheckpoint(*file, keys)
	if err != nil {
		return err
	}
	rep, err := auth.VerifyChain(ctx, db, keys, cp)
	if err != nil {
		return err
	}
	if cp == nil {
		fmt.Fprintf(env.stderr, "no checkpoint in %s: the chain is checked on its own (a cut tail with a rewound head cannot be seen)\n", *file)
	}
	if !rep.OK {
		return errors.New(rep.String())
	}
	fmt.Fprintln(env.stdout, rep)
	return nil
}

// chainKeys loads the master key the way the desk does and sets the audit
// chain's keys for this process, so entries the CLI writes (user add,
// token create…) are keyed like the desk's.
//
// Without KAVAL_MASTER_KEY the key file is looked for beside a SQLite
// database (where the embedded default keeps it), then in KAVAL_DATA_DIR.
func chainKeys(env *cliEnv, dsn string) (*auth.ChainKeys, error) {
	auth.SetChainKeys(nil) // nothing left from an earlier desk in this process
	dir := envOr(env, "KAVAL_DATA_DIR", "data")
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		if beside := filepath.Dir(path); exists(filepath.Join(beside, "master.key")) {
			dir = beside
		}
	}
	box, err := app.LoadMasterKey(dir, env.getenv)
	if errors.Is(err, secretbox.ErrNoKey) {
		return nil, errors.New("no master key: set KAVAL_MASTER_KEY (or KAVAL_MASTER_KEY_FILE) as for `kaval serve`, or KAVAL_DATA_DIR to the data directory holding master.key")
	}
	if err != nil {
		return nil, err
	}
	keys := auth.ChainKeysFrom(box)
	auth.SetChainKeys(keys)
	return keys, nil
}

// anchorAudit writes an audit checkpoint beside a backup or a restore when
// the master key is at hand, and says what it did.
func anchorAudit(ctx context.Context, env *cliEnv, db *store.DB, restored bool) {
	keys, err := chainKeys(env, db.DSN)
	if err != nil {
		fmt.Fprintf(env.stderr, "audit checkpoint not written: %v\n", err)
		return
	}
	path := app.CheckpointFile(envOr(env, "KAVAL_DATA_DIR", "data"), env.getenv)
	c, err := auth.WriteCheckpoint(ctx, db, keys, path, restored)
	if err != nil {
		fmt.Fprintf(env.stderr, "audit checkpoint not written: %v\n", err)
		return
	}
	fmt.Fprintf(env.stdout, "audit checkpoint: entry %d, head %s, mac %s (in %s)\n", c.Seq, c.Hash, c.MAC, path)
}
