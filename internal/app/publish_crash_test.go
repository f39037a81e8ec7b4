package app_test

// Scheduled posts go out once, at their time, across SIGKILLs, restarts
// and (on PostgreSQL) two replicas: the real `kaval serve` binary sends
// approved, scheduled publications to a Telegram channel (the fake Bot
// API, which keeps no idempotency of its own), and is killed twice while
// they fall due.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
)

func TestScheduledPostsOnceAcrossKills(t *testing.T) {
	bin := buildKaval(t)
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		runScheduleCrash(t, bin, db)
	})
}

func runScheduleCrash(t *testing.T, bin string, db *store.DB) {
	ctx := context.Background()
	k, err := secretbox.NewRandomKey()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secretbox.New(k)
	if err != nil {
		t.Fatal(err)
	}
	as := auth.New(db, auth.Config{Hash: auth.TestHashParams, Secrets: box})
	principal := func(name string, role auth.Role) *auth.Principal {
		u, _, err := as.CreateUser(ctx, auth.NewUser{Username: name, Role: role, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		return &auth.Principal{UserID: u.ID, Username: name, Role: role, Perms: auth.PermsOf(role)}
	}
	principal("crash-admin", auth.RoleAdmin) // the binary then skips its first-run admin
	agent, sup := principal("pro-agent", auth.RoleAgent), principal("pro-supervisor", auth.RoleSupervisor)

	const tgToken = "schedule-bot-token"
	tg := tgfake.New(tgToken)
	t.Cleanup(tg.Close)
	ch, err := channel.NewStore(db, box).Create(ctx, channel.Spec{Platform: post.Telegram, Name: "BCP channel",
		Config:  map[string]string{"api_url": tg.URL(), "mode": "webhook", "publish_chat": "@blrcitypolice"},
		Secrets: channel.Secrets{"bot_token": tgToken, "webhook_secret": "schedule-secret"}})
	if err != nil {
		t.Fatal(err)
	}

	// Sixteen advisories, approved before the desk starts, one falling
	// due each second from about six seconds on (whole seconds: schedules
	// are kept to the second; one a second is what the outbox's default
	// rate per account lets through, so none waits for another).
	const n = 16
	ps := publish.New(db, outbox.New(db), publish.Options{})
	first := time.Now().Add(5 * time.Second).Truncate(time.Second).Add(time.Second)
	due := map[string]time.Time{}
	for i := range n {
		at := first.Add(time.Duration(i) * time.Second)
		text := fmt.Sprintf("Scheduled advisory %02d: Mysuru Road closed for the procession", i)
		p, err := ps.Create(ctx, agent, publish.Draft{Kind: publish.KindAdvisory, Title: fmt.Sprint("advisory ", i),
			Texts: map[string]string{"en": text}, Versions: []publish.VersionIn{{ChannelID: ch.ID, Lang: "en"}}, ScheduledAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Submit(ctx, agent, p.ID); err != nil {
			t.Fatal(err)
		}
		if p, err = ps.Approve(ctx, sup, p.ID, ""); err != nil || p.State != publish.Approved {
			t.Fatalf("approve %d: %v", i, err)
		}
		due[text] = at
	}

	dir := t.TempDir()
	var childEnv []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAVAL_") {
			childEnv = append(childEnv, kv)
		}
	}
	childEnv = append(childEnv, "KAVAL_MASTER_KEY="+k.Encode())
	replica := func(name string) *crashEnv {
		return &crashEnv{t: t, bin: bin, dsn: db.ConnURL(), dataDir: filepath.Join(dir, name), addr: freeAddr(t),
			logPath: filepath.Join(dir, name+".log"), childEnv: childEnv, db: db, acked: map[string]int{},
			args: []string{"--metrics-listen", "off"}}
	}
	// SQLite has one writer process; PostgreSQL runs two replicas, one of
	// which is killed and restarted while the other keeps going.
	envs := []*crashEnv{replica("a")}
	if db.Dialect == store.Postgres {
		envs = append(envs, replica("b"))
	}
	runs := make([]*desk, len(envs))
	for i, e := range envs {
		runs[i] = e.start()
	}
	for _, killAt := range []time.Duration{3 * time.Second, 9 * time.Second} {
		time.Sleep(time.Until(first.Add(killAt)))
		envs[0].kill(runs[0])
		t.Logf("killed replica a at first+%s", killAt)
		runs[0] = envs[0].start()
	}
	defer func() {
		for i, e := range envs {
			e.stop(runs[i])
		}
	}()

	// Wait until every item has left pending, then a little longer for
	// anything that would be sent twice. (An item a killed PostgreSQL
	// replica had claimed stays sending until its claim expires, then
	// becomes unknown: the test does not wait the minute and more.)
	deadline := time.Now().Add(90 * time.Second)
	for {
		var left int
		db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE kind = 'publish' AND state = 'pending'`).Scan(&left)
		if left == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)

	delivered := map[string][]time.Time{}
	for _, s := range tg.Sent() {
		delivered[s.Text] = append(delivered[s.Text], s.At)
	}
	states := map[string]int{}
	rows, err := db.Read.QueryContext(ctx, `SELECT o.text, o.state FROM outbox o WHERE o.kind = 'publish'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var text, state string
		if err := rows.Scan(&text, &state); err != nil {
			t.Fatal(err)
		}
		states[state]++
		got := delivered[text]
		switch {
		case len(got) > 1:
			t.Errorf("%q went out %d times", text, len(got))
		case state == "sent" && len(got) != 1:
			t.Errorf("%q is sent but the platform got it %d times", text, len(got))
		case state == "pending" || state == "failed":
			t.Errorf("%q is %s after its time (the platform got it %d times)", text, state, len(got))
		}
		for _, at := range got {
			if at.Before(due[text].Add(-100 * time.Millisecond)) {
				t.Errorf("%q went out at %s, before its time %s", text, at.Format(time.RFC3339Nano), due[text].Format(time.RFC3339Nano))
			}
		}
	}
	if len(states) == 0 {
		t.Fatal("no outbox items")
	}
	// A kill between marking an item sending and hearing the platform
	// leaves it unknown (a person checks the channel, then retries or
	// cancels): never re-sent blindly. The rest went out exactly once.
	if states["sent"] < n-2*len(envs) {
		t.Errorf("only %d of %d scheduled posts went out (%v)", states["sent"], n, states)
	}
	var late time.Duration
	for text, at := range delivered {
		late = max(late, at[0].Sub(due[text]))
	}
	t.Logf("%s, %d replica(s): %v; latest delivery %s after its time", db.Dialect, len(envs), states, late.Round(time.Millisecond))
}
