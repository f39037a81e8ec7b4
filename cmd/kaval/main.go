// Command kaval is the whole desk in one binary. Each subcommand lives in
// its own file and registers itself in init; this file only dispatches.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. run gets the arguments after the subcommand
// name and returns an error to print; errUsage prints the usage instead.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what a subcommand may touch of the outside world, so tests can
// run subcommands in-process.
type cliEnv struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("kaval: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := runMain(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

func runMain(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "kaval: unknown command %q\n\n", args[0])
		usage(env.stderr)
		return 2
	}
	err := c.run(ctx, env, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(env.stderr, "kaval %s: %s\n", c.name, c.summary)
		return 2
	}
	fmt.Fprintf(env.stderr, "kaval %s: %v\n", c.name, err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "kaval: the police social media desk\n\nUsage: kaval COMMAND [options]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		if !strings.HasPrefix(n, "bench-") { // reached through "kaval bench NAME"
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'kaval COMMAND -h' for a command's options.")
}

// newFlags returns a FlagSet that writes its usage to env.stderr and
// returns errors instead of exiting.
func newFlags(env *cliEnv, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("kaval "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: kaval %s %s\n", name, strings.TrimSpace(args))
		fs.PrintDefaults()
	}
	return fs
}
