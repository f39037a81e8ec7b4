package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

var timeNow = time.Now

func init() {
	register(command{name: "token", summary: "API tokens: create, list, revoke", run: runToken})
}

func runToken(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, "Usage: kaval token create|list|revoke [options]")
		return errUsage
	}
	switch args[0] {
	case "create":
		return tokenCreate(ctx, env, args[1:])
	case "list":
		return tokenList(ctx, env, args[1:])
	case "revoke":
		return tokenRevoke(ctx, env, args[1:])
	}
	fmt.Fprintf(env.stderr, "kaval token: unknown action %q (want create, list, revoke)\n", args[0])
	return errUsage
}

func tokenCreate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "token create", "--username U --name N [--ttl-days D]")
	dsn := dbFlag(fs, env)
	username := fs.String("username", "", "the user the token acts as")
	name := fs.String("name", "", "what the token is for, e.g. \"grafana\"")
	ttlDays := fs.Int("ttl-days", 0, "expiry in days (0: never)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" || *name == "" || *ttlDays < 0 {
		fs.Usage()
		return errUsage
	}
	ctx, as, done, err := openAuth(ctx, env, *dsn)
	if err != nil {
		return err
	}
	defer done()
	u, err := lookupUser(ctx, as, *username)
	if err != nil {
		return err
	}
	tok, secret, err := as.CreateToken(ctx, u.ID, *name, time.Duration(*ttlDays)*24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "created token %d %q for %s (role %s); the secret below is shown once:\n", tok.ID, tok.Name, u.Username, u.Role)
	fmt.Fprintln(env.stdout, secret)
	return nil
}

func tokenList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "token list", "[--username U]")
	dsn := dbFlag(fs, env)
	username := fs.String("username", "", "only this user's tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, as, done, err := openAuth(ctx, env, *dsn)
	if err != nil {
		return err
	}
	defer done()
	var uid int64
	if *username != "" {
		u, err := lookupUser(ctx, as, *username)
		if err != nil {
			return err
		}
		uid = u.ID
	}
	toks, err := as.ListTokens(ctx, uid)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSER\tNAME\tPREFIX\tSTATE\tLAST USED")
	for _, t := range toks {
		state := "active"
		switch {
		case !t.RevokedAt.IsZero():
			state = "revoked"
		case !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(timeNow()):
			state = "expired"
		}
		last := "never"
		if !t.LastUsedAt.IsZero() {
			last = t.LastUsedAt.Format("2006-01-02 15:04Z")
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s…\t%s\t%s\n", t.ID, t.Username, t.Name, t.Prefix, state, last)
	}
	return w.Flush()
}

func tokenRevoke(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "token revoke", "--id N")
	dsn := dbFlag(fs, env)
	id := fs.Int64("id", 0, "token id (see kaval token list)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id <= 0 {
		fs.Usage()
		return errUsage
	}
	ctx, as, done, err := openAuth(ctx, env, *dsn)
	if err != nil {
		return err
	}
	defer done()
	if err := as.RevokeToken(ctx, *id); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "token %d revoked\n", *id)
	return nil
}
