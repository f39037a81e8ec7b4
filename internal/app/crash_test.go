package app_test

// The crash test proves the desk's first promise: nothing acknowledged is
// ever lost. It runs the real `kaval serve` binary, streams posts at it
// through the integration API and WhatsApp (signed) and Telegram (secret
// token) webhooks, kills it with
// SIGKILL mid-stream (twice), restarts it, and checks that every post that
// got a 2xx is stored exactly once, reaches the desk, and that
// redelivering it stores nothing new.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/channel"
	"github.com/kaval-desk/kaval/internal/connector/telegram"
	"github.com/kaval-desk/kaval/internal/connector/telegram/tgfake"
	"github.com/kaval-desk/kaval/internal/connector/whatsapp/wafake"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
)

const (
	crashKills      = 2   // SIGKILLs mid-stream; the desk is then restarted once more to verify
	crashRoundPosts = 600 // posts acknowledged in a round before the kill may come…
	crashRoundHooks = 150 // …and webhook deliveries
	apiWorkers      = 2   // concurrent POST /api/v1/posts senders (batches of 1–20)
	hookWorkers     = 4   // concurrent webhook senders: the last Telegram, the others signed WhatsApp (1–3 messages each)
)

// buildKaval compiles the real binary once per test run.
func buildKaval(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kaval")
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	// No symbol table or DWARF: linking is most of the build once the
	// packages are cached, and this binary is never debugged.
	cmd := exec.Command(gobin, "build", "-ldflags=-s -w", "-o", bin, "../../cmd/kaval")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building kaval: %v\n%s", err, out)
	}
	return bin
}

func TestKillNineLosesNothingAcknowledged(t *testing.T) {
	bin := buildKaval(t)
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		runCrashTest(t, bin, db, db.ConnURL())
	})
}

// desk is one run of the child process.
type desk struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // the exit status, once exited is closed
}

// crashEnv is what the rounds share.
type crashEnv struct {
	t        *testing.T
	bin      string
	dsn      string
	dataDir  string
	addr     string
	logPath  string
	childEnv []string
	token    string
	hookURL  string // the WhatsApp channel's webhook
	tgURL    string // the Telegram channel's webhook
	tgSecret string
	tgBot    int64
	wa       *wafake.Server
	secret   string
	db       *store.DB // the test's own handle, for counting
	args     []string  // more flags for kaval serve

	mu      sync.Mutex
	acked   map[string]int // "platform\x00external id" → times acknowledged
	apiSent []post.Post    // acknowledged API posts, for redelivery
	hooks   []delivery     // acknowledged webhook deliveries, for redelivery
	seq     atomic.Int64
	nAcked  atomic.Int64 // posts
	nHooks  atomic.Int64 // webhook deliveries
}

func key(platform, id string) string { return platform + "\x00" + id }

// delivery is one webhook POST as a platform sends it.
type delivery struct {
	url    string
	header http.Header
	body   []byte
}

func runCrashTest(t *testing.T, bin string, db *store.DB, dsn string) {
	ctx := context.Background()
	k, err := secretbox.NewRandomKey()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secretbox.New(k)
	if err != nil {
		t.Fatal(err)
	}

	// The admin and its API token exist before the desk first starts, so
	// the binary skips its first-run admin and the test needs no password.
	as := auth.New(db, auth.Config{Hash: auth.TestHashParams, Secrets: box})
	u, _, err := as.CreateUser(ctx, auth.NewUser{Username: "crash-admin", Role: auth.RoleAdmin, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := as.CreateToken(ctx, u.ID, "crash test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	const secret = "crash-test-app-secret"
	wa := wafake.New(wafake.Options{AppSecret: secret})
	t.Cleanup(wa.Close)
	ch, err := channel.NewStore(db, box).Create(ctx, channel.Spec{Platform: post.WhatsApp, Name: "crash whatsapp",
		Config:  map[string]string{"phone_number_id": wa.PhoneNumberID(), "graph_url": wa.GraphURL()},
		Secrets: channel.Secrets{"app_secret": secret, "token": "wa-token"}})
	if err != nil {
		t.Fatal(err)
	}
	const tgToken, tgSecret = "crash-bot-token", "crash-telegram-secret"
	tg := tgfake.New(tgToken)
	t.Cleanup(tg.Close)
	tgch, err := channel.NewStore(db, box).Create(ctx, channel.Spec{Platform: post.Telegram, Name: "crash telegram",
		Config:  map[string]string{"api_url": tg.URL(), "mode": "webhook"},
		Secrets: channel.Secrets{"bot_token": tgToken, "webhook_secret": tgSecret}})
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	e := &crashEnv{t: t, bin: bin, dsn: dsn, dataDir: filepath.Join(dir, "data"), addr: freeAddr(t),
		logPath: filepath.Join(dir, "kaval.log"), token: token, wa: wa, secret: secret, db: db, acked: map[string]int{}}
	e.hookURL = "http://" + e.addr + "/hooks/" + strconv.FormatInt(ch.ID, 10)
	e.tgURL = "http://" + e.addr + "/hooks/" + strconv.FormatInt(tgch.ID, 10)
	e.tgSecret, e.tgBot = tgSecret, tg.Bot().ID
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAVAL_") {
			e.childEnv = append(e.childEnv, kv)
		}
	}
	e.childEnv = append(e.childEnv, "KAVAL_MASTER_KEY="+k.Encode())

	var interrupted int64
	for round := 1; round <= crashKills; round++ {
		d := e.start()
		n, err := e.stream(d, round)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		interrupted += n
	}
	if interrupted == 0 {
		t.Fatal("no request was in flight at any kill: the test did not kill mid-stream")
	}

	// The last restart: everything acknowledged must be there once, on
	// the desk, and immune to redelivery.
	d := e.start()
	defer e.stop(d)
	before := e.nAcked.Load()
	byPlatform := map[string]int{}
	e.mu.Lock()
	for k := range e.acked {
		p, _, _ := strings.Cut(k, "\x00")
		byPlatform[p]++
	}
	e.mu.Unlock()
	t.Logf("%s: %d posts acknowledged across %d kills %v (%d requests cut off by a kill)", db.Dialect, before, crashKills, byPlatform, interrupted)
	for _, p := range []string{post.X, post.WhatsApp, post.Telegram} {
		if byPlatform[p] == 0 {
			t.Errorf("no %s post was acknowledged: that path went untested", p)
		}
	}

	t0 := time.Now()
	e.waitOnDesk(db)
	t.Logf("all on the desk %s after the restart", time.Since(t0).Round(time.Millisecond))
	e.checkStored(db, "after the kills")
	stored := countPosts(t, db)
	e.redeliver()
	e.waitOnDesk(db)
	e.checkStored(db, "after redelivery")
	if n := countPosts(t, db); n != stored {
		t.Errorf("redelivering acknowledged posts changed the post count from %d to %d", stored, n)
	}
	e.checkCases(db)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs `kaval serve` and waits until /readyz answers 200.
func (e *crashEnv) start() *desk {
	t := e.t
	logf, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n=== start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(e.bin, "serve", "--db", e.dsn, "--data", e.dataDir, "--listen", e.addr, "--log-level", "warn")
	cmd.Args = append(cmd.Args, e.args...)
	cmd.Env = e.childEnv
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &desk{cmd: cmd, exited: make(chan struct{})}
	go func() { d.err = cmd.Wait(); close(d.exited) }()
	t.Cleanup(func() { e.kill(d) }) // never leave a child behind

	c := &http.Client{Timeout: 2 * time.Second}
	t0 := time.Now()
	deadline := t0.Add(30 * time.Second)
	for {
		select {
		case <-d.exited:
			t.Fatalf("kaval serve exited before it was ready: %v\n%s", d.err, e.logTail())
		default:
		}
		if res, err := c.Get("http://" + e.addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				t.Logf("kaval serve ready in %s", time.Since(t0).Round(time.Millisecond))
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("kaval serve not ready within 30s\n%s", e.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *crashEnv) kill(d *desk) {
	select {
	case <-d.exited:
		return
	default:
	}
	d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
}

// stop ends the last run gracefully and checks it exits cleanly.
func (e *crashEnv) stop(d *desk) {
	d.cmd.Process.Signal(syscall.SIGTERM)
	t0 := time.Now()
	select {
	case <-d.exited:
		e.t.Logf("kaval serve stopped in %s after SIGTERM", time.Since(t0).Round(time.Millisecond))
		if d.err != nil {
			e.t.Errorf("kaval serve did not stop cleanly on SIGTERM: %v\n%s", d.err, e.logTail())
		}
	case <-time.After(20 * time.Second):
		e.t.Errorf("kaval serve did not stop within 20s of SIGTERM")
		e.kill(d)
	}
}

func (e *crashEnv) logTail() string {
	b, _ := os.ReadFile(e.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// stream sends from apiWorkers API and hookWorkers webhook senders
// until the round has crashRoundPosts acknowledgements, then kills the
// desk with SIGKILL while they are still sending. It returns how many
// requests the kill cut off.
func (e *crashEnv) stream(d *desk, round int) (int64, error) {
	// A fresh client per run: pooled connections to the dead process
	// would fail the first requests of the next one.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: apiWorkers + hookWorkers}}
	defer client.CloseIdleConnections()
	start, startHooks, t0 := e.nAcked.Load(), e.nHooks.Load(), time.Now()
	var cut atomic.Int64
	var wg sync.WaitGroup
	for w := range apiWorkers + hookWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(round), uint64(w)))
			for i := 0; ; i++ {
				var err error
				switch {
				case w < apiWorkers:
					err = e.sendAPI(client, rng, i)
				case w == apiWorkers+hookWorkers-1:
					err = e.sendHook(client, rng, i, e.telegramDelivery)
				default:
					err = e.sendHook(client, rng, i, e.whatsappDelivery)
				}
				if err != nil {
					cut.Add(1) // the connection died with the desk
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	target := start + crashRoundPosts + rand.Int64N(crashRoundPosts)
	for e.nAcked.Load() < target || e.nHooks.Load() < startHooks+crashRoundHooks {
		if time.Now().After(deadline) {
			e.kill(d)
			wg.Wait()
			return 0, fmt.Errorf("only %d of %d posts acknowledged within 30s\n%s", e.nAcked.Load()-start, target-start, e.logTail())
		}
		select {
		case <-d.exited:
			wg.Wait()
			return 0, fmt.Errorf("kaval serve exited by itself: %v\n%s", d.err, e.logTail())
		case <-time.After(5 * time.Millisecond):
		}
	}
	e.kill(d)
	wg.Wait()
	// Posts stored but not yet threaded when the desk died: the restart
	// must finish them (the sweep), not leave them behind.
	var pending int
	if err := e.db.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&pending); err != nil {
		return 0, err
	}
	e.t.Logf("round %d: %d posts acknowledged (%d webhook deliveries) in %s, then SIGKILL cut %d requests; %d stored posts not yet on the desk",
		round, e.nAcked.Load()-start, e.nHooks.Load()-startHooks, time.Since(t0).Round(time.Millisecond), cut.Load(), pending)
	return cut.Load(), nil
}

var texts = []string{
	"Chain snatching near the bus stop on 80 Feet Road, Koramangala, please send a patrol",
	"Two wheelers parked on the footpath at Jayanagar 4th Block every evening, no one can walk",
	"ಇಂದಿರಾನಗರ 100 ಅಡಿ ರಸ್ತೆಯಲ್ಲಿ ರಾತ್ರಿ ಜೋರಾಗಿ ಸಂಗೀತ, ದಯವಿಟ್ಟು ಕ್ರಮ ಕೈಗೊಳ್ಳಿ",
	"Signal not working at Silk Board junction, huge traffic jam since morning",
	"Someone is calling and threatening my sister, what should we do",
	"Thank you for the quick response yesterday at Whitefield",
}

// sendAPI posts a batch through POST /api/v1/posts. Now and then the batch
// carries a post acknowledged earlier (maybe before a kill): the desk must
// recognise it as a duplicate, which it can only do if it kept it.
func (e *crashEnv) sendAPI(c *http.Client, rng *rand.Rand, i int) error {
	n := 1 + rng.IntN(20)
	batch := make([]post.Post, 0, n+1)
	now := time.Now().UTC()
	for range n {
		id := e.seq.Add(1)
		batch = append(batch, post.Post{Platform: post.X, ExternalID: "crash-" + strconv.FormatInt(id, 10), Kind: post.KindMention,
			Channel: "BlrCityPolice", Author: post.Author{ExternalID: "u" + strconv.Itoa(rng.IntN(200)), Handle: "citizen"},
			Text: texts[rng.IntN(len(texts))], CreatedAt: now})
	}
	resend := -1
	if i%4 == 3 {
		e.mu.Lock()
		if len(e.apiSent) > 0 {
			resend = len(batch)
			batch = append(batch, e.apiSent[rng.IntN(len(e.apiSent))])
		}
		e.mu.Unlock()
	}
	body, _ := json.Marshal(map[string]any{"posts": batch})
	status, resp, err := e.do(c, "http://"+e.addr+"/api/v1/posts", body, http.Header{"Authorization": {"Bearer " + e.token}})
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		e.t.Errorf("POST /api/v1/posts: HTTP %d: %s", status, resp)
		return nil // not acknowledged; keep sending
	}
	var out struct {
		Results []struct {
			Duplicate bool
			Error     string
		}
	}
	if err := json.Unmarshal(resp, &out); err != nil || len(out.Results) != len(batch) {
		e.t.Errorf("POST /api/v1/posts: bad answer %s (%v)", resp, err)
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for j, r := range out.Results {
		switch {
		case r.Error != "":
			e.t.Errorf("post %s refused: %s", batch[j].ExternalID, r.Error)
		case j == resend:
			if !r.Duplicate {
				e.t.Errorf("post %s was acknowledged earlier but the desk stored it again: it had been lost", batch[j].ExternalID)
			}
		default:
			e.acked[key(batch[j].Platform, batch[j].ExternalID)]++
			e.apiSent = append(e.apiSent, batch[j])
			e.nAcked.Add(1)
		}
	}
	return nil
}

// sendHook sends one new delivery built by next, or now and then
// redelivers one acknowledged earlier, as platforms do when unsure of an
// answer.
func (e *crashEnv) sendHook(c *http.Client, rng *rand.Rand, i int, next func(*rand.Rand) (delivery, []string)) error {
	var d delivery
	var keys []string
	if i%5 == 4 {
		e.mu.Lock()
		if len(e.hooks) > 0 {
			d = e.hooks[rng.IntN(len(e.hooks))]
		}
		e.mu.Unlock()
	}
	if d.body == nil {
		d, keys = next(rng)
	}
	status, resp, err := e.do(c, d.url, d.body, d.header)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		e.t.Errorf("webhook %s: HTTP %d: %s", d.url, status, resp)
		return nil
	}
	if keys == nil {
		return nil // a redelivery
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, k := range keys {
		e.acked[k]++
		e.nAcked.Add(1)
	}
	e.hooks = append(e.hooks, d)
	e.nHooks.Add(1)
	return nil
}

// whatsappDelivery is a signed WhatsApp notification of 1–3 messages.
func (e *crashEnv) whatsappDelivery(rng *rand.Rand) (delivery, []string) {
	n := 1 + rng.IntN(3)
	msgs := make([]wafake.Message, n)
	keys := make([]string, n)
	for j := range msgs {
		from := "9190000" + fmt.Sprintf("%05d", rng.IntN(300))
		msgs[j] = e.wa.Text(from, "Citizen "+from[len(from)-3:], texts[rng.IntN(len(texts))], "", time.Now())
		keys[j] = key(post.WhatsApp, msgs[j].ID)
	}
	body := e.wa.Payload(msgs...)
	return delivery{url: e.hookURL, header: wafake.SignedRequest(e.secret, e.hookURL, body).Header, body: body}, keys
}

// telegramDelivery is one Telegram update (a group message) with the
// webhook's secret token; its post id comes from the connector's own
// Normalize.
func (e *crashEnv) telegramDelivery(rng *rand.Rand) (delivery, []string) {
	seq := e.seq.Add(1)
	uid := 5_000_000 + rng.Int64N(300)
	u := telegram.Update{UpdateID: seq, Message: &telegram.Message{MessageID: seq, Date: time.Now().Unix(),
		From: &telegram.User{ID: uid, FirstName: "Citizen", Username: "citizen" + strconv.FormatInt(uid%1000, 10)},
		Chat: telegram.Chat{ID: -1001234567890, Type: "supergroup", Title: "Namma Area Safety Watch"},
		Text: texts[rng.IntN(len(texts))] + " @BlrCityPoliceBot"}}
	body, err := json.Marshal(u)
	if err != nil {
		e.t.Fatal(err)
	}
	p, ok := telegram.Normalize(u, body, "", e.tgBot)
	if !ok {
		e.t.Fatalf("telegram: the connector would not ingest %s", body)
	}
	h := http.Header{}
	h.Set(telegram.SecretHeader, e.tgSecret)
	return delivery{url: e.tgURL, header: h, body: body}, []string{key(p.Platform, p.ExternalID)}
}

func (e *crashEnv) do(c *http.Client, url string, body []byte, h http.Header) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		// The status came but the body did not: not an answer we can
		// count as an acknowledgement.
		return 0, nil, err
	}
	return res.StatusCode, b, nil
}

// redeliver sends every acknowledged post again: API posts in batches
// (each must come back as a duplicate) and every webhook body.
func (e *crashEnv) redeliver() {
	t := e.t
	c := &http.Client{Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	e.mu.Lock()
	api, hooks := e.apiSent, e.hooks
	e.mu.Unlock()
	for len(api) > 0 {
		n := min(len(api), 500)
		body, _ := json.Marshal(map[string]any{"posts": api[:n]})
		status, resp, err := e.do(c, "http://"+e.addr+"/api/v1/posts", body, http.Header{"Authorization": {"Bearer " + e.token}})
		if err != nil || status != http.StatusOK {
			t.Fatalf("redelivery: HTTP %d %v: %s", status, err, resp)
		}
		var out struct{ Stored, Duplicates, Refused int }
		if err := json.Unmarshal(resp, &out); err != nil {
			t.Fatal(err)
		}
		if out.Stored != 0 || out.Refused != 0 || out.Duplicates != n {
			t.Errorf("redelivering %d acknowledged posts: stored %d, duplicates %d, refused %d", n, out.Stored, out.Duplicates, out.Refused)
		}
		api = api[n:]
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(hooks); i += 4 {
				if status, _, err := e.do(c, hooks[i].url, hooks[i].body, hooks[i].header); err != nil || status != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d webhook redeliveries failed", n, len(hooks))
	}
	t.Logf("redelivered %d API posts and %d webhook deliveries", len(e.apiSent), len(hooks))
}

func countPosts(t *testing.T, db *store.DB) int {
	var n int
	if err := db.Read.QueryRow("SELECT count(*) FROM posts").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkStored asserts every acknowledged post is stored exactly once.
func (e *crashEnv) checkStored(db *store.DB, when string) {
	t := e.t
	rows, err := db.Read.Query("SELECT platform, external_id FROM posts")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for rows.Next() {
		var p, id string
		if err := rows.Scan(&p, &id); err != nil {
			t.Fatal(err)
		}
		have[key(p, id)]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	var lost, dup []string
	for k := range e.acked {
		if have[k] == 0 {
			lost = append(lost, strings.ReplaceAll(k, "\x00", "/"))
		}
	}
	for k, n := range have {
		if n > 1 {
			dup = append(dup, strings.ReplaceAll(k, "\x00", "/"))
		}
	}
	if len(lost) > 0 {
		t.Errorf("%s: %d of %d acknowledged posts lost, e.g. %v", when, len(lost), len(e.acked), lost[:min(5, len(lost))])
	}
	if len(dup) > 0 {
		t.Errorf("%s: %d posts stored more than once, e.g. %v", when, len(dup), dup[:min(5, len(dup))])
	}
	// Posts whose answer a kill cut off may or may not be stored: the
	// platform (or integration) sends them again, and then they are.
	if len(lost) == 0 && len(dup) == 0 {
		t.Logf("%s: %d acknowledged posts all stored once (%d stored in all: the rest had their answer cut off)", when, len(e.acked), len(have))
	}
}

// waitOnDesk polls until no post is left before stage 2.
func (e *crashEnv) waitOnDesk(db *store.DB) {
	t := e.t
	deadline := time.Now().Add(60 * time.Second)
	for {
		var left int
		if err := db.Read.QueryRow("SELECT count(*) FROM posts WHERE stage < 2").Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d posts never reached the desk (stage 2) within 60s of the restart\n%s", left, e.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkCases asserts every post is in exactly one existing case and each
// case counts its posts once.
func (e *crashEnv) checkCases(db *store.DB) {
	t := e.t
	var noCase, orphan, posts, counted int
	q := func(sql string, dst *int) {
		if err := db.Read.QueryRow(sql).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q("SELECT count(*) FROM posts WHERE case_id IS NULL", &noCase)
	q("SELECT count(*) FROM posts p LEFT JOIN cases c ON c.id = p.case_id WHERE p.case_id IS NOT NULL AND c.id IS NULL", &orphan)
	q("SELECT count(*) FROM posts", &posts)
	q("SELECT COALESCE(sum(post_count), 0) FROM cases", &counted)
	if noCase != 0 || orphan != 0 {
		t.Errorf("%d posts on the desk without a case, %d in a missing case", noCase, orphan)
	}
	if counted != posts {
		t.Errorf("cases count %d posts, the posts table holds %d: a post was attached twice or not at all", counted, posts)
	}
	var cases int
	q("SELECT count(*) FROM cases", &cases)
	t.Logf("%d posts in %d cases", posts, cases)
}
