package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// RestoreFile puts the backup at file in place as the database dsn names
// and returns when the backup was taken (the restore point it carries, or
// the file's time for a PostgreSQL dump or an older copy).
//
// SQLite: the copy is written beside the target under a temporary name,
// checked, synced and renamed; an existing target is refused unless
// replace, and then kept as TARGET.before-restore-TIME. PostgreSQL:
// pg_restore --clean into the database (stop every replica first).
//
// The restored database must then be opened, migrated, and its outbox
// held before anything sends (outbox.HoldRestored); MarkRestorePoint
// makes sure a restore point is there for it.
func RestoreFile(ctx context.Context, file, dsn string, replace bool) (time.Time, error) {
	st, err := os.Stat(file)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: unable to read the backup: %w", err)
	}
	taken := st.ModTime().UTC()
	if !strings.HasPrefix(dsn, "sqlite:") {
		return taken, pgRestore(ctx, file, dsn)
	}
	target := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	if _, err := os.Stat(target); err == nil {
		if !replace {
			return taken, fmt.Errorf("store: %s exists; stop the desk and pass --replace to restore over it (it is kept beside)", target)
		}
		keep := target + ".before-restore-" + time.Now().UTC().Format("20060102-150405")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if _, err := os.Stat(target + suffix); err == nil {
				if err := os.Rename(target+suffix, keep+suffix); err != nil {
					return taken, fmt.Errorf("store: unable to set the old database aside: %w", err)
				}
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
		return taken, err
	}
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".restoring-"+randHex(4))
	defer os.Remove(tmp)
	if err := copyFile(file, tmp); err != nil {
		return taken, err
	}
	c, err := sql.Open("sqlite", "file:"+uriPath(tmp))
	if err != nil {
		return taken, err
	}
	var check string
	err = c.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check)
	if err == nil && check == "ok" {
		var at sql.NullInt64
		// The copy's own restore point says when it was taken.
		if c.QueryRowContext(ctx, `SELECT max(backup_taken_at) FROM restore_points WHERE restored_at IS NULL`).Scan(&at) == nil && at.Valid {
			taken = Time(at.Int64)
		}
	}
	c.Close()
	if err != nil || check != "ok" {
		return taken, fmt.Errorf("store: %s is not a sound SQLite database: %q %v", file, check, err)
	}
	if err := syncFile(tmp); err != nil {
		return taken, err
	}
	if err := os.Rename(tmp, target); err != nil {
		return taken, fmt.Errorf("store: unable to move the restored database into place: %w", err)
	}
	return taken, syncFile(filepath.Dir(target))
}

// MarkRestorePoint records that this database is a copy taken at takenAt,
// unless it already carries an open restore point.
func (db *DB) MarkRestorePoint(ctx context.Context, takenAt time.Time, source string) error {
	_, err := db.Write.ExecContext(ctx, `INSERT INTO restore_points (backup_taken_at, source)
		SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM restore_points WHERE restored_at IS NULL)`, Millis(takenAt), source)
	if err != nil {
		return fmt.Errorf("store: unable to record the restore point: %w", err)
	}
	return nil
}

func pgRestore(ctx context.Context, file, dsn string) error {
	bin, err := exec.LookPath("pg_restore")
	if err != nil {
		return fmt.Errorf("store: pg_restore is not installed (Debian: apt-get install postgresql-client)")
	}
	conn, _, err := (&DB{url: dsn}).libpqURL()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname="+conn, file)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("store: pg_restore failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("store: unable to copy the backup: %w", err)
	}
	return out.Close()
}
