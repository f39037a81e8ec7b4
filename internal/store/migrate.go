package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations live in one folder per dialect, compiled into the binary. Each
// domain owns a range of version numbers so that parallel work never
// collides: 1–99 core (posts, cases, units), 100–199 auth, 200–299
// channels and outbox, 300–399 analysis, 400– watch and publishing.
//
//go:embed migrations
var migrations embed.FS

// Migrate brings the schema up to date. Several replicas starting together
// on PostgreSQL serialise on an advisory session lock.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true), goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(db.goMigrations()...)}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
		if err := db.ensureExtensions(ctx); err != nil {
			return err
		}
	}
	p, err := goose.NewProvider(dialect, db.Write, sub, opts...)
	if err != nil {
		return fmt.Errorf("store: unable to load migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to migrate: %w", err)
	}
	for _, r := range res {
		slog.Debug("migrated", "version", r.Source.Version, "path", r.Source.Path, "took", r.Duration)
	}
	return nil
}
