package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The PostgreSQL test suite used to migrate a fresh schema per test: 3–8 s
// each on the CI machine, serialised across every test binary by goose's
// advisory lock (one lock per database, and all schemas shared one). Now
// the migrations run once into a template database named for what decides
// the schema (the SQL files and the Go migrations' versions), and each
// test gets its own database copied from it (CREATE DATABASE … TEMPLATE,
// a fraction of a second). Test binaries running side by side, and later
// runs with the same migrations, share the template.

// pgTemplateLock is the advisory lock (in the base database) held while a
// template is looked for, built and renamed into place.
const pgTemplateLock = 0x6b6176616c // "kaval"

// Test databases are named pgTestPrefix + creation time + pid + sequence,
// so that a run killed before its cleanups can be tidied by a later one.
const (
	pgTestPrefix     = "kaval_t_"
	pgTemplatePrefix = "kaval_tpl_"
	pgStaleTest      = 10 * time.Minute // and no session in it: see dropPostgresTestDB
	pgStaleTemplate  = 24 * time.Hour   // a template unused by this run, left by older migrations
)

var pgTpl struct {
	mu   sync.Mutex
	name string // "" until built (or after it went missing)
}

// migrationsKey identifies the migrated PostgreSQL schema: a hash of the
// migration files and the versions of the Go migrations.
func migrationsKey() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations, "migrations/postgres", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	for _, m := range (&DB{Dialect: Postgres}).goMigrations() {
		fmt.Fprintf(h, "go %d\n", m.Version)
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

// withDBName is base with its database replaced by name.
func withDBName(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("store: bad test database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// pgTemplate returns the name of the migrated template database, building
// it when no run has yet.
func pgTemplate(ctx context.Context, base string) (string, error) {
	pgTpl.mu.Lock()
	defer pgTpl.mu.Unlock()
	if pgTpl.name != "" {
		return pgTpl.name, nil
	}
	key, err := migrationsKey()
	if err != nil {
		return "", err
	}
	name := pgTemplatePrefix + key
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx) // the advisory lock belongs to one session
	if err != nil {
		return "", fmt.Errorf("postgres at %s: %w", Redact(base), err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", pgTemplateLock); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", pgTemplateLock)
	tidyTestDatabases(ctx, conn, base, name)
	var one int
	err = conn.QueryRowContext(ctx, "SELECT 1 FROM pg_database WHERE datname = $1", name).Scan(&one)
	if err == nil {
		pgTpl.name = name
		return name, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	// Built under a temporary name and renamed when complete, so that a
	// run killed half-way leaves no half-migrated template behind.
	tmp := fmt.Sprintf("%s%d_%d", pgTestPrefix, time.Now().Unix(), os.Getpid()) + "_tpl"
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+tmp); err != nil {
		return "", fmt.Errorf("store: the test role needs CREATEDB (scripts/postgres.sh grants it): %w", err)
	}
	u, err := withDBName(base, tmp)
	if err != nil {
		return "", err
	}
	db, err := Open(ctx, u)
	if err == nil {
		err = db.Migrate(ctx)
		db.Close()
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, "ALTER DATABASE "+tmp+" RENAME TO "+name)
	}
	if err == nil {
		_, err = conn.ExecContext(ctx, "COMMENT ON DATABASE "+name+" IS '"+strconv.FormatInt(time.Now().Unix(), 10)+"'")
	}
	if err != nil {
		conn.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+tmp+" WITH (FORCE)")
		return "", err
	}
	pgTpl.name = name
	return name, nil
}

// tidyTestDatabases drops test databases left behind (by a run killed
// before its cleanups, or by drops still queued when a test binary
// exited), and templates of other migrations not built recently. Errors
// are ignored: DROP DATABASE without FORCE refuses a database anyone is
// connected to, so a database in use (another run's, held open by its
// test's pool) stays.
func tidyTestDatabases(ctx context.Context, conn *sql.Conn, base, keep string) {
	rows, err := conn.QueryContext(ctx, `SELECT datname, COALESCE(shobj_description(oid, 'pg_database'), '') FROM pg_database
		WHERE datname LIKE 'kaval\_t\_%' OR datname LIKE 'kaval\_tpl\_%'`)
	if err != nil {
		return
	}
	var drop []string
	now := time.Now()
	for rows.Next() {
		var name, comment string
		if rows.Scan(&name, &comment) != nil {
			continue
		}
		switch {
		case name == keep:
		case strings.HasPrefix(name, pgTemplatePrefix):
			if at, err := strconv.ParseInt(comment, 10, 64); err != nil || now.Sub(time.Unix(at, 0)) > pgStaleTemplate {
				drop = append(drop, name)
			}
		default:
			at, err := strconv.ParseInt(strings.SplitN(strings.TrimPrefix(name, pgTestPrefix), "_", 2)[0], 10, 64)
			if err == nil && now.Sub(time.Unix(at, 0)) > pgStaleTest {
				drop = append(drop, name)
			}
		}
	}
	rows.Close()
	go func() { // one at a time, in the background, without ending sessions
		for _, n := range drop {
			dropDB(base, n, false)
		}
	}()
}

// newPostgresTestDB creates a database copied from the migrated template
// and returns its name and URL.
func newPostgresTestDB(ctx context.Context, base string) (name, u string, err error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", "", err
	}
	defer admin.Close()
	name = fmt.Sprintf("%s%d_%d_%d", pgTestPrefix, time.Now().Unix(), os.Getpid(), pgSeq.Add(1))
	for attempt := 0; ; attempt++ {
		tpl, err := pgTemplate(ctx, base)
		if err != nil {
			return "", "", err
		}
		_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tpl)
		if err == nil {
			break
		}
		// Another run's tidying dropped the template: build it again.
		var pe *pgconn.PgError
		if attempt == 0 && errors.As(err, &pe) && pe.Code == "3D000" {
			pgTpl.mu.Lock()
			pgTpl.name = ""
			pgTpl.mu.Unlock()
			continue
		}
		return "", "", fmt.Errorf("postgres at %s: %w", Redact(base), err)
	}
	u, err = withDBName(base, name)
	return name, u, err
}

// resetClock puts back what a migration wrote from the clock: 00753 starts
// the response rollups' checkpoint a minute before the migration ran, and
// a copy of an older template would start it earlier than a desk
// migrated now.
func resetClock(ctx context.Context, db *DB) error {
	_, err := db.Write.ExecContext(ctx, `UPDATE checkpoints SET vals = CAST((extract(epoch from now()) * 1000)::bigint - 60000 AS TEXT),
		updated_at = (extract(epoch from now()) * 1000)::bigint WHERE source = 'watch.response'`)
	return err
}

// A test's database is dropped in the background while the next test
// starts: on PostgreSQL 15 each DROP DATABASE waits for a checkpoint (0.1 s
// on a quiet machine, seconds on a busy one). One drop at a time: a
// test's cleanup first waits for the previous test's drop, so that drops
// never pile up behind a busy server and a test binary exits with one
// database at most left to the next run's tidyTestDatabases.
var pgDropSlot = make(chan struct{}, 1)

// dropPostgresTestDB drops a test database (in the background), ending
// any session still in it (a child process the test killed).
func dropPostgresTestDB(base, name string) {
	pgDropSlot <- struct{}{}
	go func() {
		defer func() { <-pgDropSlot }()
		dropDB(base, name, true)
	}()
}

func dropDB(base, name string, force bool) {
	a, err := sql.Open("pgx", base)
	if err != nil {
		return
	}
	defer a.Close()
	q := "DROP DATABASE IF EXISTS " + name
	if force {
		q += " WITH (FORCE)"
	}
	a.Exec(q)
}
