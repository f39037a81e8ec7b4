package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/demo"
)

func init() {
	register(command{name: "demo", summary: "run the desk with demo channels and live citizen traffic (SQLite, in-process queue)", run: runDemo})
}

func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	var cfg config
	fs := newFlags(env, "demo", "[--rate N] [serve options]")
	cfg.flags(fs, env)
	rate := fs.Float64("rate", 2, "simulated citizen posts per second (0 for none)")
	seed := fs.Uint64("seed", 0, "scenario seed: 0 continues the last run with new citizens; another value replays that seed's texts (always under new ids)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DB == "" && env.getenv("KAVAL_DB") == "" {
		cfg.DB = "sqlite:" + filepath.Join(cfg.DataDir, demoDBName)
	}
	if err := cfg.finish(env); err != nil {
		return err
	}
	a, err := startApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	plat, err := demo.Setup(ctx, a.DB, a.Channels, a.Manager)
	if err != nil {
		return err
	}
	defer plat.Close()
	ready := func(url string) {
		fmt.Fprintf(env.stdout, "Demo channels (local fakes of the real APIs): %s\n", plat.Describe())
		token, err := demo.APIToken(ctx, a.Auth, 24*time.Hour)
		if err != nil {
			slog.Error("demo: no API token", "err", err)
		}
		fmt.Fprint(env.stdout, tryCommands(cfg, url, token))
		go plat.Deliveries(ctx, url)
		if *rate <= 0 {
			return
		}
		fmt.Fprintf(env.stdout, "Simulated citizens are posting %.1f/s in English, Kannada, Hindi and Hinglish. Ctrl-C stops.\n", *rate)
		go func() {
			rep, err := plat.Traffic(ctx, url, *rate, *seed)
			if err != nil && ctx.Err() == nil {
				slog.Error("demo traffic stopped", "err", err)
				return
			}
			slog.Info("demo traffic", "events", rep.Events, "accepted", rep.Accepted, "rejected", rep.Rejected)
		}()
	}
	return listen(ctx, env, cfg, a, ready)
}

// tryCommands is what to type next, in another terminal: an API token of
// the demo's API user (the admin's one-time password must be replaced at
// /desk/ before the API takes the admin's tokens), and the flags that
// reach this demo's database. Copied as printed, they work.
func tryCommands(cfg config, url, token string) string {
	self := "kaval"
	if strings.Contains(os.Args[0], "go-build") { // started by go run
		self = "go run ./cmd/kaval"
	}
	db := "--db " + shellQuote(cfg.DB)
	if strings.HasPrefix(cfg.DB, "postgres") {
		db = "--db \"$KAVAL_DB\""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nTry it from another terminal in this directory (the token is user %s's, valid 24 h):\n", demo.APIUser)
	fmt.Fprintf(&b, "  export TOKEN=%s\n", token)
	fmt.Fprintf(&b, "  curl -s -H \"Authorization: Bearer $TOKEN\" '%s/api/v1/cases?status=new&limit=5'\n", url)
	fmt.Fprintf(&b, "  curl -s -H \"Authorization: Bearer $TOKEN\" '%s/api/v1/posts?q=ಕೋರಮಂಗಲ'\n", url)
	fmt.Fprintf(&b, "  %s user add %s --username asha --role agent\n", self, db)
	fmt.Fprintf(&b, "  %s token create %s --username asha --name cli   # once asha has set her own password at %s/desk/\n\n", self, db, url)
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._:-=@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
