package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/app"
)

func init() {
	register(command{name: "serve", summary: "run the desk: API, webhooks, public form and workers", run: func(ctx context.Context, env *cliEnv, args []string) error {
		var cfg config
		fs := newFlags(env, "serve", "[options]")
		cfg.flags(fs, env)
		if err := fs.Parse(args); err != nil {
			return err
		}
		if err := cfg.finish(env); err != nil {
			return err
		}
		a, err := startApp(ctx, env, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		return listen(ctx, env, cfg, a, nil)
	}})
}

// startApp builds the desk and, on first run, the administrator account
// whose one-time password is printed once.
func startApp(ctx context.Context, env *cliEnv, cfg config) (*app.App, error) {
	a, err := app.New(ctx, app.Config{DB: cfg.DB, DataDir: cfg.DataDir, Bus: cfg.Bus, RefPrefix: cfg.RefPrefix, Version: version, BaseURL: cfg.BaseURL})
	if err != nil {
		return nil, err
	}
	pw, err := a.EnsureAdmin(ctx, "admin")
	if err != nil {
		a.Close()
		return nil, err
	}
	if pw != "" {
		host := cfg.Listen
		if strings.HasPrefix(host, ":") {
			host = "127.0.0.1" + host
		}
		// The desk is under /desk/; / is the citizens' public site.
		fmt.Fprintf(env.stdout, "\nFirst run: created user \"admin\" with one-time password %s\n(you will be asked to change it; it is not shown again)\nLog in to the desk at http://%s/desk/ (the citizens' public site is at /)\n\n", pw, host)
	}
	a.Start(ctx)
	return a, nil
}

// listen serves until ctx ends, then shuts down gracefully: in-flight
// requests (webhook deliveries waiting on a commit) finish first.
func listen(ctx context.Context, env *cliEnv, cfg config, a *app.App, ready func(url string)) error {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	if m := cfg.MetricsListen; m != "" && m != "off" {
		mln, err := net.Listen("tcp", m)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-listen %s: %w (use another address, or off)", m, err)
		}
		ms := &http.Server{Handler: a.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn)}
		slog.Info("metrics listening", "url", "http://"+mln.Addr().String()+"/metrics")
		go ms.Serve(mln)
		defer ms.Close()
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String()
	slog.Info("kaval listening", "url", url, "db", a.DB.DSN, "version", version)
	fmt.Fprintf(env.stdout, "Kaval is running at %s  (API %s/api/v1, public form %s/report/)\n", url, url, url)
	if ready != nil {
		ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
