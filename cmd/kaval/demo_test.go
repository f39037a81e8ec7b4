package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// After `kaval demo`, the commands it prints, and the README's table
// without any --db, act on the demo's database, not on a second, empty one.
func TestDemoPrintsCommandsThatReachItsDatabase(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "KAVAL_DATA_DIR" {
			return dir
		}
		return ""
	}
	var out, errb lockedBuf
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- runMain(ctx, &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv},
			// No metrics listener: its fixed default port may be taken by a
			// desk already running on this machine.
			[]string{"demo", "--listen", "127.0.0.1:0", "--metrics-listen", "off", "--rate", "0"})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "user add") {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("demo printed no commands:\n%s\n%s", out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("demo exited %d: %s", code, errb.String())
	}
	var token string
	for _, line := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "export TOKEN="); ok {
			token = v
		}
	}
	if len(token) < 20 || !strings.Contains(out.String(), "q=ಕೋರಮಂಗಲ") {
		t.Fatalf("no API token printed:\n%s", out.String())
	}
	// The token is the demo database's: listed for the demo's API user.
	stdout, stderr, code := runWith(t, getenv, "token", "list", "--db", "sqlite:"+filepath.Join(dir, "demo.db"))
	if code != 0 || !strings.Contains(stdout, "demo-api") && !strings.Contains(stdout, "demo 20") {
		t.Fatalf("token list: %d %q %q", code, stdout, stderr)
	}
	want := "--db sqlite:" + filepath.Join(dir, "demo.db")
	if !strings.Contains(out.String(), "user add "+want) {
		t.Fatalf("user add command lacks %q:\n%s", want, out.String())
	}
	// Without --db (the README's table), user add finds the demo's
	// database too, and says so.
	_, stderr, code = runWith(t, getenv, "user", "add", "--username", "asha", "--role", "agent")
	if code != 0 || !strings.Contains(stderr, "demo.db") {
		t.Fatalf("user add: %d %q", code, stderr)
	}
	stdout, _, _ = runWith(t, getenv, "user", "list", "--db", "sqlite:"+filepath.Join(dir, "demo.db"))
	if !strings.Contains(stdout, "asha") {
		t.Fatalf("asha is not in the demo's database:\n%s", stdout)
	}
	if exists(filepath.Join(dir, "kaval.db")) {
		t.Fatal("a second database was created beside the demo's")
	}
}

func runWith(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runMain(context.Background(), &cliEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv}, args)
	return out.String(), errb.String(), code
}
