package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/kaval-desk/kaval/internal/store"
)

// config is the typed configuration of the server commands: flags, with
// defaults from KAVAL_* environment variables, and secrets from *_FILE
// variables so they stay out of process listings.
type config struct {
	DB        string
	Listen    string
	DataDir   string
	Bus       string // "" or "inproc" for the embedded queue, nats://… for JetStream
	RefPrefix string
	LogLevel  string
	LogJSON   bool
	MasterKey secret
	BaseURL   string
	// MetricsListen is where /metrics is served: an operator's address,
	// never the public listener ("off": not at all).
	MetricsListen string
}

// secret is a string that never prints.
type secret string

func (s secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

func (s secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

func envOr(env *cliEnv, key, def string) string {
	if v := env.getenv(key); v != "" {
		return v
	}
	return def
}

// envSecret reads KEY, or the file named by KEY_FILE.
func envSecret(env *cliEnv, key string) (secret, error) {
	if f := env.getenv(key + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("reading %s_FILE: %w", key, err)
		}
		return secret(strings.TrimSpace(string(b))), nil
	}
	return secret(env.getenv(key)), nil
}

// dbFlag adds the --db flag every store-using command shares. Its default
// is the desk's database, DATA/kaval.db; until that exists, a database the
// demo made (DATA/demo.db) is the default instead, so that `kaval user
// add` or `kaval import` after `kaval demo` act on the desk the newcomer
// is looking at rather than silently creating a second, empty one. The
// choice is said on stderr.
func dbFlag(fs *flag.FlagSet, env *cliEnv) *string {
	def := envOr(env, "KAVAL_DB", "")
	if def == "" {
		dir := envOr(env, "KAVAL_DATA_DIR", "data")
		def = "sqlite:" + filepath.Join(dir, "kaval.db")
		if demo := filepath.Join(dir, demoDBName); !exists(filepath.Join(dir, "kaval.db")) && exists(demo) {
			def = "sqlite:" + demo
			fmt.Fprintf(env.stderr, "kaval: no %s yet, so --db defaults to the demo's database %s\n", filepath.Join(dir, "kaval.db"), def)
		}
	}
	return fs.String("db", def, "database: sqlite:PATH or postgres://… (env KAVAL_DB; KAVAL_DB_FILE for a URL with a password; default DATA/kaval.db, or DATA/demo.db while only the demo's exists)")
}

// demoDBName is the file `kaval demo` keeps its desk in, in the data
// directory.
const demoDBName = "demo.db"

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (c *config) flags(fs *flag.FlagSet, env *cliEnv) {
	fs.StringVar(&c.DataDir, "data", envOr(env, "KAVAL_DATA_DIR", "data"), "data directory for the SQLite file, keys and backups (env KAVAL_DATA_DIR)")
	fs.StringVar(&c.DB, "db", envOr(env, "KAVAL_DB", ""), "database: sqlite:PATH or postgres://… (env KAVAL_DB; default sqlite:DATA/kaval.db)")
	fs.StringVar(&c.Listen, "listen", envOr(env, "KAVAL_LISTEN", "127.0.0.1:8080"), "HTTP listen address (env KAVAL_LISTEN)")
	fs.StringVar(&c.Bus, "bus", envOr(env, "KAVAL_BUS", "inproc"), "queue: inproc, or nats://host:4222 for JetStream (env KAVAL_BUS)")
	fs.StringVar(&c.RefPrefix, "ref-prefix", envOr(env, "KAVAL_REF_PREFIX", "BCP"), "prefix of case reference numbers (env KAVAL_REF_PREFIX)")
	fs.StringVar(&c.LogLevel, "log-level", envOr(env, "KAVAL_LOG_LEVEL", "info"), "debug, info, warn or error (env KAVAL_LOG_LEVEL)")
	fs.BoolVar(&c.LogJSON, "log-json", envOr(env, "KAVAL_LOG_JSON", "") == "1", "JSON logs (env KAVAL_LOG_JSON=1)")
	fs.StringVar(&c.BaseURL, "base-url", envOr(env, "KAVAL_BASE_URL", ""), "public URL of the desk, for webhook addresses and the status links given to citizens (env KAVAL_BASE_URL)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", envOr(env, "KAVAL_METRICS_LISTEN", "127.0.0.1:9464"), "address serving Prometheus /metrics, apart from the public listener; off for none (env KAVAL_METRICS_LISTEN)")
}

// finish fills defaults and secrets after flag parsing.
func (c *config) finish(env *cliEnv) error {
	if c.DB == "" {
		if u, err := envSecret(env, "KAVAL_DB"); err == nil && u != "" {
			c.DB = string(u)
		} else {
			c.DB = "sqlite:" + filepath.Join(c.DataDir, "kaval.db")
		}
	}
	k, err := envSecret(env, "KAVAL_MASTER_KEY")
	if err != nil {
		return err
	}
	c.MasterKey = k
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogJSON {
		slog.SetDefault(slog.New(slog.NewJSONHandler(env.stderr, opts)))
	} else {
		slog.SetDefault(slog.New(slog.NewTextHandler(env.stderr, opts)))
	}
	return nil
}

// openStore opens and migrates the database, creating the SQLite file's
// directory on first run.
func openStore(ctx context.Context, dsn string) (*store.DB, error) {
	if strings.HasPrefix(dsn, "sqlite:") {
		if dir := filepath.Dir(strings.TrimPrefix(dsn, "sqlite:")); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, err
			}
		}
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func init() {
	register(command{name: "migrate", summary: "create or upgrade the database schema", run: func(ctx context.Context, env *cliEnv, args []string) error {
		fs := newFlags(env, "migrate", "[--db URL]")
		dsn := dbFlag(fs, env)
		if err := fs.Parse(args); err != nil {
			return err
		}
		db, err := openStore(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Fprintf(env.stdout, "database %s is up to date\n", db.DSN)
		return nil
	}})
}
