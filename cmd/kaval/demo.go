package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

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
	seed := fs.Uint64("seed", 1, "scenario seed: the same seed replays the same traffic")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.DB == "" && env.getenv("KAVAL_DB") == "" {
		cfg.DB = "sqlite:" + filepath.Join(cfg.DataDir, "demo.db")
	}
	if err := cfg.finish(env); err != nil {
		return err
	}
	a, err := startApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	plat, err := demo.Setup(ctx, a.Channels, a.Manager)
	if err != nil {
		return err
	}
	defer plat.Close()
	ready := func(url string) {
		fmt.Fprintf(env.stdout, "Demo channels (local fakes of the real APIs): %s\n", plat.Describe())
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
	return listen(ctx, env, cfg.Listen, a, ready)
}
