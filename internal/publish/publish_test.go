package publish_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	_ "github.com/kaval-desk/kaval/internal/connector/bluesky"
	_ "github.com/kaval-desk/kaval/internal/connector/mastodon"
	_ "github.com/kaval-desk/kaval/internal/connector/meta"
	_ "github.com/kaval-desk/kaval/internal/connector/telegram"
	_ "github.com/kaval-desk/kaval/internal/connector/x"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/publish"
	"github.com/kaval-desk/kaval/internal/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	db                 *store.DB
	s                  *publish.Service
	ob                 *outbox.Outbox
	clk                *clock
	agent, sup1, sup2  *auth.Principal
	x, bsky, fb, masto int64
	ctx                context.Context
	analyst, supWriter *auth.Principal
}

func user(t *testing.T, db *store.DB, name string, role auth.Role) *auth.Principal {
	t.Helper()
	var id int64
	if err := db.Write.QueryRow(`INSERT INTO users (username, role, created_at, updated_at) VALUES ($1, $2, 1, 1) RETURNING id`, name, string(role)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return &auth.Principal{UserID: id, Username: name, Role: role, Perms: auth.PermsOf(role)}
}

func channel(t *testing.T, db *store.DB, platform, cfg string) int64 {
	t.Helper()
	var id int64
	if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, config, created_at, updated_at) VALUES ($1, $2, $3, 1, 1) RETURNING id`,
		platform, "BCP on "+platform, cfg).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func setup(t *testing.T, db *store.DB) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 10, 20, 4, 30, 0, 0, time.UTC)}
	ob := outbox.New(db).WithClock(clk.Now)
	e := &env{db: db, ob: ob, clk: clk, ctx: context.Background(),
		s: publish.New(db, ob, publish.Options{BaseURL: "https://desk.example.in", Now: clk.Now})}
	e.agent = user(t, db, "agent", auth.RoleAgent)
	e.sup1 = user(t, db, "sup1", auth.RoleSupervisor)
	e.sup2 = user(t, db, "sup2", auth.RoleSupervisor)
	e.analyst = user(t, db, "analyst", auth.RoleAnalyst)
	e.supWriter = user(t, db, "sup3", auth.RoleSupervisor)
	e.x = channel(t, db, "x", `{}`)
	e.bsky = channel(t, db, "bluesky", `{}`)
	e.fb = channel(t, db, "facebook", `{"page_id":"1234"}`)
	e.masto = channel(t, db, "mastodon", `{"base_url":"https://mastodon.example"}`)
	return e
}

func (e *env) draft(t *testing.T, kind publish.Kind, chans ...int64) publish.Publication {
	t.Helper()
	d := publish.Draft{Kind: kind, Title: "Dasara traffic", Public: true,
		Texts: map[string]string{"en": "Dasara procession on Sunday: Mysuru Road closed 4–10 p.m.; use the ring road.", "kn": "ಭಾನುವಾರ ದಸರಾ ಮೆರವಣಿಗೆ: ಮೈಸೂರು ರಸ್ತೆ ಸಂಜೆ 4–10 ಮುಚ್ಚಲಾಗಿದೆ."}}
	for _, c := range chans {
		d.Versions = append(d.Versions, publish.VersionIn{ChannelID: c, Lang: "en"}, publish.VersionIn{ChannelID: c, Lang: "kn"})
	}
	p, err := e.s.Create(e.ctx, e.agent, d)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func code(err error) string {
	if pe, ok := publish.AsError(err); ok {
		return pe.Code
	}
	if err == nil {
		return ""
	}
	return "error: " + err.Error()
}

func (e *env) outboxItems(t *testing.T) []outbox.Item {
	t.Helper()
	items, err := e.ob.List(e.ctx, outbox.Filter{Kind: outbox.Publish})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// Two levels by policy: nothing reaches the outbox before the second
// approval; authors, people without replies:approve and a person
// approving twice are refused; the second approval releases every version.
func TestTwoLevelApproval(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		if err := e.s.SetPolicy(e.ctx, e.sup1, publish.Policy{ChannelID: e.x, Levels: 2}); err != nil {
			t.Fatal(err)
		}
		p := e.draft(t, publish.KindAdvisory, e.x, e.bsky)
		if _, err := e.s.Approve(e.ctx, e.sup1, p.ID, ""); code(err) != "state" {
			t.Fatalf("a draft was approved: %v", err)
		}
		p, err := e.s.Submit(e.ctx, e.agent, p.ID)
		if err != nil || p.State != publish.InReview || p.Levels != 2 {
			t.Fatalf("submit: %+v %v", p, err)
		}
		if _, err := e.s.Approve(e.ctx, e.agent, p.ID, ""); code(err) != "forbidden" {
			t.Fatalf("an agent approved: %v", err)
		}
		if _, err := e.s.Approve(e.ctx, e.sup1, p.ID, "ok by me"); err != nil {
			t.Fatal(err)
		}
		if n := len(e.outboxItems(t)); n != 0 {
			t.Fatalf("%d outbox items after one of two approvals", n)
		}
		if _, err := e.s.Approve(e.ctx, e.sup1, p.ID, ""); code(err) != "already_approved" {
			t.Fatalf("one person signed both levels: %v", err)
		}
		p, err = e.s.Approve(e.ctx, e.sup2, p.ID, "")
		if err != nil || p.State != publish.Approved || len(p.Approvals) != 2 {
			t.Fatalf("second approval: %+v %v", p, err)
		}
		items := e.outboxItems(t)
		if len(items) != 4 {
			t.Fatalf("%d outbox items, want 4 (2 accounts × 2 languages)", len(items))
		}
		for _, it := range items {
			if it.State != outbox.Pending || it.NeedsApproval {
				t.Fatalf("released item %d is %s (needs approval %v)", it.ID, it.State, it.NeedsApproval)
			}
		}
		if _, err := e.s.Approve(e.ctx, e.sup2, p.ID, ""); code(err) != "state" {
			t.Fatalf("approved twice: %v", err)
		}
		h, _ := e.s.History(e.ctx, p.ID)
		var acts []string
		for _, ev := range h {
			acts = append(acts, ev.Action)
		}
		if got := strings.Join(acts, ","); got != "created,submitted,approved,approved,released" {
			t.Fatalf("history %s", got)
		}
		var audits int
		db.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE target = $1`, "publication:"+strconv.FormatInt(p.ID, 10)).Scan(&audits)
		if audits != 5 {
			t.Fatalf("%d audit entries, want 5", audits)
		}
	})
}

// An approver who changed the words is an author; an edit in review sends
// the publication back to draft and the approvals of the old words do not
// count.
func TestEditResetsApprovalAndEditorCannotApprove(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		e.s.SetPolicy(e.ctx, e.sup1, publish.Policy{Levels: 2})
		p := e.draft(t, publish.KindPost, e.masto)
		e.s.Submit(e.ctx, e.agent, p.ID)
		if _, err := e.s.Approve(e.ctx, e.sup1, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		p, _ = e.s.Get(e.ctx, p.ID)
		d := publish.Draft{Kind: p.Kind, Title: p.Title, Texts: map[string]string{"en": "Changed words by the second supervisor"},
			Versions: []publish.VersionIn{{ChannelID: e.masto, Lang: "en"}}}
		p, err := e.s.Update(e.ctx, e.sup2, p.ID, p.Version, d)
		if err != nil || p.State != publish.StateDraft {
			t.Fatalf("edit in review: %v %v", p.State, err)
		}
		if _, err := e.s.Submit(e.ctx, e.agent, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Approve(e.ctx, e.sup2, p.ID, ""); code(err) != "own_item" {
			t.Fatalf("the editor approved: %v", err)
		}
		p, _ = e.s.Approve(e.ctx, e.sup1, p.ID, "")
		if p.State != publish.InReview || len(p.Approvals) != 1 {
			t.Fatalf("after a new first approval: %s with %d approvals", p.State, len(p.Approvals))
		}
		if n := len(e.outboxItems(t)); n != 0 {
			t.Fatalf("released on approvals of other words: %d items", n)
		}
	})
}

// The emergency fast path: one approval releases; the signature after the
// fact is owed, listed, refused to the first approver and the author, and
// both steps are in the history and the audit log.
func TestEmergencyFastPath(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		e.s.SetPolicy(e.ctx, e.sup1, publish.Policy{Levels: 2})
		p := e.draft(t, publish.KindEmergency, e.x)
		e.s.Submit(e.ctx, e.agent, p.ID)
		p, err := e.s.Approve(e.ctx, e.sup1, p.ID, "flooding: go now")
		if err != nil || p.State != publish.Approved || !p.AfterSignDue {
			t.Fatalf("fast path: %s due %v %v", p.State, p.AfterSignDue, err)
		}
		if n := len(e.outboxItems(t)); n != 2 {
			t.Fatalf("%d outbox items", n)
		}
		owed, _ := e.s.List(e.ctx, publish.Filter{AfterSignDue: true})
		if len(owed) != 1 || owed[0].ID != p.ID {
			t.Fatalf("owed signatures: %+v", owed)
		}
		if _, err := e.s.AfterSign(e.ctx, e.sup1, p.ID, ""); code(err) != "already_approved" {
			t.Fatalf("first approver signed after the fact: %v", err)
		}
		if _, err := e.s.AfterSign(e.ctx, e.agent, p.ID, ""); code(err) != "forbidden" {
			t.Fatalf("agent signed: %v", err)
		}
		p, err = e.s.AfterSign(e.ctx, e.sup2, p.ID, "read and agreed")
		if err != nil || p.AfterSignDue || p.AfterSignedBy != e.sup2.UserID {
			t.Fatalf("after-sign: %+v %v", p, err)
		}
		if owed, _ := e.s.List(e.ctx, publish.Filter{AfterSignDue: true}); len(owed) != 0 {
			t.Fatalf("still owed: %d", len(owed))
		}
		var n int
		db.Read.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action IN ('publication.released', 'publication.after_signed')`).Scan(&n)
		if n != 2 {
			t.Fatalf("%d audit entries for release and signature", n)
		}
		// A post (not an emergency) under the same rule waits for both.
		q := e.draft(t, publish.KindPost, e.bsky)
		e.s.Submit(e.ctx, e.agent, q.ID)
		q, _ = e.s.Approve(e.ctx, e.sup1, q.ID, "")
		if q.State != publish.InReview {
			t.Fatalf("a plain post took the fast path: %s", q.State)
		}
	})
}

// A version its platform would refuse cannot be submitted; the live check
// gives the platform's rule.
func TestPlatformRulesAtSubmit(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		long := strings.Repeat("Traffic advisory. ", 20)
		c, err := e.s.CheckVersion(e.ctx, e.x, long, 0)
		if err != nil || c.OK || !strings.Contains(c.Message, "limit 280") {
			t.Fatalf("check: %+v %v", c, err)
		}
		if c, _ := e.s.CheckVersion(e.ctx, e.fb, "Advisory with two images", 2); c.OK || c.Field != "media" {
			t.Fatalf("facebook with 2 images: %+v", c)
		}
		p, err := e.s.Create(e.ctx, e.agent, publish.Draft{Title: "Long", Texts: map[string]string{"en": long},
			Versions: []publish.VersionIn{{ChannelID: e.x, Lang: "en"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Submit(e.ctx, e.agent, p.ID); code(err) != "cannot_publish" {
			t.Fatalf("submit of a post X refuses: %v", err)
		}
		if _, err := e.s.Create(e.ctx, e.agent, publish.Draft{Title: "x", Texts: map[string]string{"fr": "bonjour"}}); code(err) != "invalid" {
			t.Fatalf("French: %v", err)
		}
		if _, err := e.s.Create(e.ctx, e.agent, publish.Draft{Title: "x", Texts: map[string]string{"en": "hi"},
			Versions: []publish.VersionIn{{ChannelID: 9999, Lang: "en"}}}); code(err) != "invalid" {
			t.Fatalf("unknown channel: %v", err)
		}
	})
}

// A scheduled post waits in the outbox for its time; dragging it moves the
// outbox row; a recurring one queues each occurrence once however many
// sweeps run.
func TestScheduleRescheduleRecur(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		at := e.clk.Now().Add(48 * time.Hour)
		p, err := e.s.Create(e.ctx, e.agent, publish.Draft{Title: "Helpline week", Texts: map[string]string{"en": "Elders Helpline 1090: call any time."},
			Versions: []publish.VersionIn{{ChannelID: e.bsky, Lang: "en"}}, ScheduledAt: at})
		if err != nil {
			t.Fatal(err)
		}
		e.s.Submit(e.ctx, e.agent, p.ID)
		p, _ = e.s.Approve(e.ctx, e.sup1, p.ID, "")
		items := e.outboxItems(t)
		if len(items) != 1 || !items[0].NextAttemptAt.Equal(at) {
			t.Fatalf("scheduled item: %+v", items)
		}
		to := at.Add(26 * time.Hour)
		if p, err = e.s.Reschedule(e.ctx, e.sup2, p.ID, to); err != nil || !p.ScheduledAt.Equal(to) {
			t.Fatalf("reschedule: %v", err)
		}
		if it, _ := e.ob.Get(e.ctx, items[0].ID); !it.NextAttemptAt.Equal(to) {
			t.Fatalf("outbox still at %s", it.NextAttemptAt)
		}
		if _, err := e.s.Reschedule(e.ctx, e.sup2, p.ID, e.clk.Now().Add(-time.Hour)); code(err) != "invalid" {
			t.Fatalf("moved into the past: %v", err)
		}

		first := e.clk.Now().Add(time.Hour)
		r, _ := e.s.Create(e.ctx, e.agent, publish.Draft{Title: "Daily reminder", Texts: map[string]string{"en": "Women's Helpline 1091"},
			Versions: []publish.VersionIn{{ChannelID: e.masto, Lang: "en"}}, ScheduledAt: first, Recur: "daily", RecurUntil: first.Add(4 * 24 * time.Hour)})
		e.s.Submit(e.ctx, e.agent, r.ID)
		e.s.Approve(e.ctx, e.sup1, r.ID, "")
		for range 3 {
			e.s.Sweep(e.ctx)
		}
		if n := len(e.outboxItems(t)); n != 1+2 { // occurrence 0 and 1 fall within 36 hours
			t.Fatalf("%d items after sweeps, want 3", n)
		}
		for range 10 { // a desk running day after day
			e.clk.Add(24 * time.Hour)
			e.s.Sweep(e.ctx)
			e.s.Sweep(e.ctx)
		}
		if n := len(e.outboxItems(t)); n != 1+5 { // occurrences 0–4, then until
			t.Fatalf("%d items after the series, want 6", n)
		}
		// Cancel withdraws what was not sent.
		if _, err := e.s.Cancel(e.ctx, e.agent, r.ID, "campaign ended"); err != nil {
			t.Fatal(err)
		}
		for _, it := range e.outboxItems(t) {
			if it.ChannelID == e.masto && it.State != outbox.Cancelled {
				t.Fatalf("item %d still %s", it.ID, it.State)
			}
		}
	})
}

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Images are checked by their bytes, need alt text, and are public only
// once their publication is approved.
func TestMedia(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		p := e.draft(t, publish.KindPost, e.bsky)
		if _, err := e.s.AddMedia(e.ctx, e.agent, p.ID, []byte("<svg onload=alert(1)>"), map[string]string{"en": "x"}); code(err) != "invalid" {
			t.Fatalf("svg: %v", err)
		}
		if _, err := e.s.AddMedia(e.ctx, e.agent, p.ID, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40)...), map[string]string{"en": "x"}); code(err) != "invalid" {
			t.Fatalf("broken png: %v", err)
		}
		img := pngBytes(t, 40, 30)
		if _, err := e.s.AddMedia(e.ctx, e.agent, p.ID, img, map[string]string{"en": "  "}); code(err) != "invalid" {
			t.Fatalf("no alt: %v", err)
		}
		m, err := e.s.AddMedia(e.ctx, e.agent, p.ID, img, map[string]string{"en": "Map of the diversion", "kn": "ಮಾರ್ಗ ಬದಲಾವಣೆಯ ನಕ್ಷೆ"})
		if err != nil || m.Width != 40 || m.ContentType != "image/png" {
			t.Fatalf("png: %+v %v", m, err)
		}
		if _, _, err := e.s.PublicMedia(e.ctx, m.FileName()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a draft's image is public: %v", err)
		}
		if _, _, err := e.s.PublicMedia(e.ctx, "../../etc/passwd"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("path: %v", err)
		}
		// Bluesky versions carry it.
		p, _ = e.s.Get(e.ctx, p.ID)
		d := publish.Draft{Kind: p.Kind, Title: p.Title, Texts: p.Texts, Versions: []publish.VersionIn{{ChannelID: e.fb, Lang: "en", WithMedia: true}}}
		if _, err := e.s.Update(e.ctx, e.agent, p.ID, 0, d); err != nil {
			t.Fatal(err)
		}
		e.s.Submit(e.ctx, e.agent, p.ID)
		if _, err := e.s.Approve(e.ctx, e.sup1, p.ID, ""); err != nil {
			t.Fatal(err)
		}
		data, ct, err := e.s.PublicMedia(e.ctx, m.FileName())
		if err != nil || ct != "image/png" || !bytes.Equal(data, img) {
			t.Fatalf("public after approval: %s %v", ct, err)
		}
		items := e.outboxItems(t)
		if len(items) != 1 || len(items[0].Media) != 1 || items[0].Media[0] != "https://desk.example.in/media/"+m.FileName() {
			t.Fatalf("outbox media: %+v", items)
		}
		if http.DetectContentType(data) != "image/png" {
			t.Fatal("bytes changed")
		}
	})
}
