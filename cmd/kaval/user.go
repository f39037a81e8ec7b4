package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

func init() {
	register(command{name: "user", summary: "manage desk users: add, list, disable, enable, reset-password", run: runUser})
}

func runUser(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, "Usage: kaval user add|list|disable|enable|reset-password [options]")
		return errUsage
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, env, args[1:])
	case "list":
		return userList(ctx, env, args[1:])
	case "disable", "enable":
		return userSetDisabled(ctx, env, args[0], args[1:])
	case "reset-password":
		return userResetPassword(ctx, env, args[1:])
	}
	fmt.Fprintf(env.stderr, "kaval user: unknown action %q (want add, list, disable, enable, reset-password)\n", args[0])
	return errUsage
}

// openAuth opens and migrates the store and returns the auth service with
// production hashing, and a context whose audit actor is "cli:$USER".
func openAuth(ctx context.Context, env *cliEnv, dsn string) (context.Context, *auth.Service, func(), error) {
	db, err := openStore(ctx, dsn)
	if err != nil {
		return ctx, nil, nil, err
	}
	actor := "cli"
	if u := env.getenv("USER"); u != "" {
		actor += ":" + u
	}
	ctx = auth.WithPrincipal(ctx, auth.SystemPrincipal(actor))
	// What this command does is audited, keyed like the desk's entries.
	if _, err := chainKeys(env, dsn); err != nil {
		var keyed int64
		db.Read.QueryRowContext(ctx, `SELECT keyed_from FROM audit_head WHERE id = 1`).Scan(&keyed)
		if keyed != 0 {
			db.Close()
			return ctx, nil, nil, err
		}
	}
	return ctx, auth.New(db, auth.Config{}), func() { db.Close() }, nil
}

func userAdd(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "user add", "--username U --role R [--unit CODE] [--team T] [--name N] [--password-file F]")
	dsn := dbFlag(fs, env)
	username := fs.String("username", "", "login name: 2–64 of a-z 0-9 . _ -")
	role := fs.String("role", "", "admin, supervisor, agent, station_officer or analyst")
	unit := fs.String("unit", "", "unit code (required for station_officer), e.g. blr/ps/adugodi")
	team := fs.String("team", "", "team or shift name")
	name := fs.String("name", "", "full name")
	pwFile := fs.String("password-file", "", "file holding the password; without it a one-time password is printed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" || *role == "" {
		fs.Usage()
		return errUsage
	}
	var pw string
	if *pwFile != "" {
		b, err := os.ReadFile(*pwFile)
		if err != nil {
			return fmt.Errorf("reading password file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
		if pw == "" {
			return errors.New("password file is empty")
		}
	}
	ctx, as, done, err := openAuth(ctx, env, *dsn)
	if err != nil {
		return err
	}
	defer done()
	nu := auth.NewUser{Username: *username, Role: auth.Role(*role), Team: *team, Name: *name, Password: pw}
	if *unit != "" {
		if nu.UnitID, err = as.UnitIDByCode(ctx, *unit); err != nil {
			return err
		}
	}
	u, oneTime, err := as.CreateUser(ctx, nu)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "created user %s (id %d, role %s)\n", u.Username, u.ID, u.Role)
	if oneTime != "" {
		fmt.Fprintf(env.stdout, "one-time password: %s\n(shown once; it must be changed at first login)\n", oneTime)
	}
	return nil
}

func userList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "user list", "[--db URL]")
	dsn := dbFlag(fs, env)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, as, done, err := openAuth(ctx, env, *dsn)
	if err != nil {
		return err
	}
	defer done()
	users, err := as.ListUsers(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSERNAME\tROLE\tUNIT\tTEAM\tSTATE\tLAST LOGIN")
	for _, u := range users {
		var state []string
		if u.Disabled {
			state = append(state, "disabled")
		}
		if !u.LockedUntil.IsZero() && u.LockedUntil.After(timeNow()) {
			state = append(state, "locked")
		}
		if u.MustChange {
			state = append(state, "must-change")
		}
		if u.TOTPEnabled {
			state = append(state, "2fa")
		}
		if len(state) == 0 {
			state = append(state, "active")
		}
		unit, last := "-", "never"
		if u.UnitID != 0 {
			unit = fmt.Sprint(u.UnitID)
		}
		if !u.LastLoginAt.IsZero() {
			last = u.LastLoginAt.Format("2006-01-02 15:04Z")
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Role, unit, dash(u.Team), strings.Join(state, ","), last)
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func userSetDisabled(ctx context.Context, env *cliEnv, action string, args []string) error {
	fs := newFlags(env, "user "+action, "--username U")
	dsn := dbFlag(fs, env)
	username := fs.String("username", "", "login name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" {
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
	disabled := action == "disable"
	if _, err := as.UpdateUser(ctx, u.ID, auth.UserPatch{Disabled: &disabled}); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "user %s %sd\n", u.Username, action)
	return nil
}

func userResetPassword(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "user reset-password", "--username U")
	dsn := dbFlag(fs, env)
	username := fs.String("username", "", "login name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" {
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
	pw, err := as.ResetPassword(ctx, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "one-time password for %s: %s\n(shown once; sessions ended, lockout cleared; it must be changed at first login)\n", u.Username, pw)
	return nil
}

func lookupUser(ctx context.Context, as *auth.Service, username string) (*auth.User, error) {
	u, err := as.GetUserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no user %q", username)
	}
	return u, err
}
