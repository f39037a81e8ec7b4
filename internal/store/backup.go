package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Path    string
	Bytes   int64
	TakenAt time.Time
	Version int64 // schema version (highest applied migration) of the copy
}

// ErrNoPgDump is returned by Backup on PostgreSQL when pg_dump is not
// installed.
var ErrNoPgDump = errors.New("store: pg_dump is not installed (Debian: apt-get install postgresql-client); PostgreSQL backups need it")

// Backup writes a consistent copy of the database to path, which must not
// exist. The copy is written under a temporary name in the same directory,
// checked (it opens, passes an integrity check and has the live schema
// version), synced and only then renamed into place, so a backup killed
// half-way never leaves a file under the final name that would open as an
// empty or partial desk. The copy carries a restore point: a desk started
// on it holds the outbox items that may have been sent since (see
// outbox.HoldRestored).
//
// SQLite copies with VACUUM INTO (one snapshot while writers carry on);
// PostgreSQL with pg_dump's custom format, checked with pg_restore --list.
func (db *DB) Backup(ctx context.Context, path string) (BackupInfo, error) {
	info := BackupInfo{Path: path}
	if _, err := os.Stat(path); err == nil {
		return info, fmt.Errorf("store: %s exists; not overwriting", path)
	}
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".partial-"+randHex(4))
	defer os.Remove(tmp) // gone after the rename; left only by a failure
	live, err := db.SchemaVersion(ctx)
	if err != nil {
		return info, err
	}
	info.TakenAt = time.Now().UTC()
	if db.Dialect == Postgres {
		err = db.pgDump(ctx, tmp)
	} else {
		err = db.sqliteCopy(ctx, tmp, info.TakenAt, live)
	}
	if err != nil {
		return info, err
	}
	info.Version = live
	if err := syncFile(tmp); err != nil {
		return info, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return info, fmt.Errorf("store: unable to move the backup into place: %w", err)
	}
	if err := syncFile(dir); err != nil {
		return info, err
	}
	if st, err := os.Stat(path); err == nil {
		info.Bytes = st.Size()
	}
	return info, nil
}

// SchemaVersion is the highest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	return schemaVersion(ctx, db.Read)
}

func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: unable to read the schema version: %w", err)
	}
	return v.Int64, nil
}

func (db *DB) sqliteCopy(ctx context.Context, tmp string, takenAt time.Time, live int64) error {
	if _, err := db.Write.ExecContext(ctx, "VACUUM INTO $1", tmp); err != nil {
		return fmt.Errorf("store: unable to copy the database: %w", err)
	}
	c, err := sql.Open("sqlite", "file:"+uriPath(tmp)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("store: unable to open the copy: %w", err)
	}
	defer c.Close()
	var check string
	if err := c.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("store: the copy fails its integrity check: %q %v", check, err)
	}
	v, err := schemaVersion(ctx, c)
	if err != nil {
		return err
	}
	if v != live {
		return fmt.Errorf("store: the copy has schema version %d, the database %d", v, live)
	}
	if _, err := c.ExecContext(ctx, `INSERT INTO restore_points (backup_taken_at, source) VALUES ($1, $2)`, Millis(takenAt), db.DSN); err != nil {
		return fmt.Errorf("store: unable to mark the copy as a backup: %w", err)
	}
	return c.Close()
}

// pgDump runs pg_dump into tmp and checks the archive lists the schema.
func (db *DB) pgDump(ctx context.Context, tmp string) error {
	dump, err := exec.LookPath("pg_dump")
	if err != nil {
		return ErrNoPgDump
	}
	conn, schema, err := db.libpqURL()
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--no-owner", "--file=" + tmp}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	cmd := exec.CommandContext(ctx, dump, append(args, "--dbname="+conn)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("store: pg_dump failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	list, err := exec.CommandContext(ctx, strings.TrimSuffix(dump, "pg_dump")+"pg_restore", "--list", tmp).Output()
	if err != nil {
		return fmt.Errorf("store: the dump does not read back (pg_restore --list): %w", err)
	}
	for _, want := range []string{"TABLE DATA", "goose_db_version", "outbox"} {
		if !strings.Contains(string(list), want) {
			return fmt.Errorf("store: the dump lacks %s", want)
		}
	}
	return nil
}

// libpqURL is the database URL for PostgreSQL's own tools: the password
// the desk was given (Redact hid it from DSN), without the search_path
// parameter libpq does not know, which becomes the schema to dump.
func (db *DB) libpqURL() (conn, schema string, err error) {
	u, err := url.Parse(db.url)
	if err != nil {
		return "", "", fmt.Errorf("store: bad database URL: %w", err)
	}
	q := u.Query()
	if sp := q.Get("search_path"); sp != "" {
		schema = strings.TrimSpace(strings.Split(sp, ",")[0])
		if schema == "public" {
			schema = ""
		}
		q.Del("search_path")
		u.RawQuery = q.Encode()
	}
	return u.String(), schema, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: unable to sync %s: %w", path, err)
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
