package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "backup", summary: "write a consistent online backup (SQLite copy, or pg_dump for PostgreSQL)", run: runBackup})
	register(command{name: "restore", summary: "put a backup in place and hold the replies it may have already sent", run: runRestore})
}

func runBackup(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "backup", "[--db URL] [--out FILE]")
	dsn := dbFlag(fs, env)
	out := fs.String("out", "", "backup file (default DATA/backups/kaval-YYYYmmdd-HHMMSS.db, or .dump for PostgreSQL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	path := *out
	if path == "" {
		dir := filepath.Join(envOr(env, "KAVAL_DATA_DIR", "data"), "backups")
		ext := ".dump"
		if db.Dialect == store.SQLite {
			dir, ext = filepath.Join(filepath.Dir(strings.TrimPrefix(*dsn, "sqlite:")), "backups"), ".db"
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
		path = filepath.Join(dir, "kaval-"+time.Now().UTC().Format("20060102-150405")+ext)
	}
	info, err := db.Backup(ctx, path)
	if errors.Is(err, store.ErrNoPgDump) {
		return fmt.Errorf("%w; or use PostgreSQL's own tools (pg_basebackup for point-in-time recovery), then restore with `kaval restore`", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "backup written to %s (%d bytes, schema version %d, taken %s)\n", info.Path, info.Bytes, info.Version, info.TakenAt.Format(time.RFC3339))
	anchorAudit(ctx, env, db, false)
	return nil
}

func runRestore(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "restore", "[--db URL] [--replace] BACKUP")
	dsn := dbFlag(fs, env)
	replace := fs.Bool("replace", false, "restore over an existing SQLite database (kept beside as .before-restore-TIME); stop the desk first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	file := fs.Arg(0)
	taken, err := store.RestoreFile(ctx, file, *dsn, *replace)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.MarkRestorePoint(ctx, taken, file); err != nil {
		return err
	}
	if _, err := chainKeys(env, *dsn); err != nil {
		fmt.Fprintf(env.stderr, "%v\nthe hold is audited unkeyed only if the chain was never keyed\n", err)
	}
	held, _, err := app.HoldRestored(ctx, outbox.New(db), "cli", slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "restored %s (taken %s) into %s\n", file, taken.Format(time.RFC3339), db.DSN)
	anchorAudit(ctx, env, db, true)
	if held > 0 {
		fmt.Fprintf(env.stdout, "%d outbox items that could still be sent are held: the live desk may have sent them after the backup.\n"+
			"Check each on its platform, then release or cancel it: GET /api/v1/outbox?state=held, POST /api/v1/outbox/{id}/release or /cancel.\n", held)
	}
	return nil
}
