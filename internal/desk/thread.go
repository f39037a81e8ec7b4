package desk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// Options configure the desk.
type Options struct {
	RefPrefix    string        // reference numbers look like BCP-2026-000123
	ThreadWindow time.Duration // a new post by the same author to the same channel within this joins their open case
	SLA          SLA
	Now          func() time.Time
	Location     *time.Location // for the year in reference numbers; default Asia/Kolkata
}

// Desk runs the case state machine over a store.
type Desk struct {
	db    *store.DB
	opt   Options
	units *unit.Store

	mu        sync.RWMutex
	unitNames map[string]int64

	dups dupWindow // this replica's recent report fingerprints (dups.go)

	hooks surgeHooks // crisis rooms' surge mode (surge_hooks.go)

	sets setCache // common words' matching post ids between requests (search_cache.go)
}

// New returns a desk over db.
func New(db *store.DB, opt Options) *Desk {
	if opt.RefPrefix == "" {
		opt.RefPrefix = "BCP"
	}
	if opt.ThreadWindow == 0 {
		opt.ThreadWindow = 24 * time.Hour
	}
	if opt.SLA == (SLA{}) {
		opt.SLA = DefaultSLA
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Location == nil {
		loc, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			loc = time.FixedZone("IST", 5*3600+1800)
		}
		opt.Location = loc
	}
	return &Desk{db: db, opt: opt, units: unit.NewStore(db)}
}

// DB returns the store the desk works on.
func (d *Desk) DB() *store.DB { return d.db }

// ReloadUnits refreshes the name → unit map used for routing; call it after
// units change.
func (d *Desk) ReloadUnits(ctx context.Context) error {
	m, err := d.units.Names(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.unitNames = m
	d.mu.Unlock()
	return nil
}

func (d *Desk) unitID(name string) sql.NullInt64 {
	if name == "" {
		return sql.NullInt64{}
	}
	d.mu.RLock()
	id, ok := d.unitNames[name]
	d.mu.RUnlock()
	return sql.NullInt64{Int64: id, Valid: ok}
}

// NeedsCase says whether a post belongs on the desk. News items are
// listening material, not a citizen's matter. So are posts found by
// keyword listening (post.KindListening): public posts about the city,
// not addressed to the force, which feed the watch floor; a burst of them
// would bury the citizens who wrote to us. One opens a case only when
// triage would put it at P1 or P2 (an emergency, or urgency high enough):
// a person trapped or a threat is acted on however it reached the desk,
// and the desk's rules then run on that case as on any other.
func NeedsCase(p *post.Post) bool {
	switch p.Kind {
	case post.KindNews:
		return false
	case post.KindListening:
		return PriorityFor(p.Analysis) <= P2
	}
	return true
}

// threadKey is what later posts of the same matter share: the
// conversation for direct messages, else the author on that channel.
func threadKey(p *post.Post) (key string, windowed bool) {
	if p.Private && p.ThreadID != "" {
		return "dm:" + p.Platform + ":" + p.Channel + ":" + p.ThreadID, false
	}
	author := p.Author.ExternalID
	if author == "" {
		author = "post:" + p.ExternalID // anonymous: every post its own case
	}
	return "author:" + p.Platform + ":" + p.Channel + ":" + author, true
}

// triage is what threading reads of a post's analysis.
type triage struct {
	prio, urgency  int
	category, lang string
	emergency      bool
	unit, traffic  sql.NullInt64
}

func (d *Desk) triageOf(p *post.Post) triage {
	t := triage{prio: d.boosted(p, PriorityFor(p.Analysis))}
	if a := p.Analysis; a != nil {
		t.urgency, t.category, t.lang, t.emergency = a.Urgency, a.TopCategory(), a.Lang, a.Emergency.Label
		if a.Station != nil {
			t.unit = d.unitID(*a.Station)
		}
		if a.TrafficStation != nil {
			t.traffic = d.unitID(*a.TrafficStation)
		}
	}
	return t
}

// How a post found its case, for the timeline.
const (
	viaReply        = "reply"          // it answers a post of the case
	viaConversation = "conversation"   // the same private conversation
	viaAuthor       = "author"         // the same citizen on the same matter, within the window
	viaDuplicate    = "near_duplicate" // a copy of another citizen's report (dups.go)
)

// Attach puts a stored, analysed post on the desk inside the caller's
// transaction and returns its case id and whether the case is new.
//
//   - A reply joins the case of the post it answers (or of its
//     conversation's root), whatever it is about: a conversation stays in
//     one case, and the case follows its most urgent post (join.go).
//   - A private message joins the open case of its conversation.
//   - Other posts join their author's open case on that channel, within
//     the thread window, only when it is the same matter: no new category,
//     no other station. An emergency never joins a case less urgent than
//     itself: it opens its own, so a missing child reported by someone who
//     complained about a traffic jam an hour ago is not buried in the jam.
//   - A near-copy of another citizen's recent report at the same place
//     joins that report's open case (dups.go).
//   - Otherwise it opens a new case with a fresh reference.
//
// The timeline rows it makes go into b, when given, for one write at the
// end of the transaction (Flush); else they are written at once. Callers
// threading many posts in one transaction call Begin first.
func (d *Desk) Attach(ctx context.Context, tx *sql.Tx, b *Batch, p *post.Post, authorID int64) (int64, bool, error) {
	if !NeedsCase(p) {
		return 0, false, nil
	}
	now := d.opt.Now().UTC()
	key, windowed := threadKey(p)
	fp := fingerprintOf(p)
	if err := d.prepare(ctx, tx, b, []string{key}, []string{fp.place}, now); err != nil {
		return 0, false, err
	}
	ev := func(caseID int64, kind string, body map[string]any) error {
		if b != nil {
			return b.event(caseID, now, kind, body)
		}
		return d.event(ctx, tx, caseID, 0, kind, body, now)
	}
	var pending []pendingFP
	if b != nil {
		pending = b.fps
	}
	t := d.triageOf(p)
	c, how, dup, err := d.findCase(ctx, tx, p, key, windowed, t, fp, pending)
	if err != nil {
		return 0, false, err
	}
	var caseID int64
	if c != nil {
		caseID = c.id
		if err := d.join(ctx, tx, ev, c, p, t, now, how, dup); err != nil {
			return 0, false, err
		}
		if how == viaDuplicate {
			// The reporter's follow-ups find this case through their own
			// thread key.
			if _, err := d.exec(ctx, tx, qThreadCase, key, caseID); err != nil {
				return 0, false, fmt.Errorf("desk: unable to link reporter to case: %w", err)
			}
		}
	} else if caseID, err = d.open(ctx, tx, ev, p, t, key, authorID, now); err != nil {
		return 0, false, err
	}
	if fp.place != "" {
		row := pendingFP{place: fp.place, fpRow: fpRow{hash: fp.hash, caseID: caseID, postID: p.ID, at: fp.at}}
		if b != nil {
			b.fps = append(b.fps, row)
		} else if err := d.writeFingerprints(ctx, tx, []pendingFP{row}); err != nil {
			return 0, false, err
		}
	}
	return caseID, c == nil, nil
}

// findCase returns the case p joins and how, or nil for a new case.
func (d *Desk) findCase(ctx context.Context, tx *sql.Tx, p *post.Post, key string, windowed bool, t triage,
	fp fingerprint, pending []pendingFP) (*caseHead, string, dupCandidate, error) {
	// A reply in a conversation: the post it answers, else the
	// conversation's root (a reply to the force's own answer names the
	// answer, which is not a post of the desk).
	parents := []string{p.InReplyTo}
	if !p.Private && p.ThreadID != p.InReplyTo && p.ThreadID != p.ExternalID {
		parents = append(parents, p.ThreadID) // a private ThreadID names a chat, not a post
	}
	for _, parent := range parents {
		if parent == "" {
			continue
		}
		c, err := d.head(ctx, tx, qParentCase, p.Platform, parent)
		if err != nil {
			return nil, "", dupCandidate{}, fmt.Errorf("desk: unable to find parent: %w", err)
		}
		if c != nil && c.status != StatusClosed {
			return c, viaReply, dupCandidate{}, nil
		}
	}
	cands, err := d.openCases(ctx, tx, key)
	if err != nil {
		return nil, "", dupCandidate{}, err
	}
	if !windowed {
		if len(cands) > 0 {
			return cands[0], viaConversation, dupCandidate{}, nil
		}
	} else {
		for _, c := range cands {
			if p.CreatedAt.Sub(store.Time(c.lastPost)) <= d.opt.ThreadWindow && sameMatter(c, t) {
				return c, viaAuthor, dupCandidate{}, nil
			}
		}
	}
	if fp.place == "" {
		return nil, "", dupCandidate{}, nil
	}
	for i, cand := range d.nearCopies(fp, pending) {
		if i == 3 {
			break
		}
		c, err := d.head(ctx, tx, qCaseHead, cand.caseID)
		if err != nil {
			return nil, "", dupCandidate{}, fmt.Errorf("desk: unable to read case: %w", err)
		}
		if c != nil && c.private == p.Private && c.status != StatusResolved && c.status != StatusClosed {
			return c, viaDuplicate, cand, nil
		}
	}
	return nil, "", dupCandidate{}, nil
}

// generic categories say nothing about which matter a post is about: a
// thank-you, a question, spam, or the emergency flag itself.
var generic = map[string]bool{"": true, "emergency": true, "appreciation": true, "information_request": true, "spam": true}

// sameMatter says whether an author's new post continues their open case:
// no other category, no other station, and not an emergency more urgent
// than the case.
func sameMatter(c *caseHead, t triage) bool {
	if t.emergency && t.prio < c.priority {
		return false
	}
	if !generic[t.category] && !generic[c.category] && t.category != c.category {
		return false
	}
	switch {
	case t.unit.Valid && c.unit.Valid:
		return t.unit.Int64 == c.unit.Int64
	case !t.unit.Valid && !c.unit.Valid && t.traffic.Valid && c.traffic.Valid:
		return t.traffic.Int64 == c.traffic.Int64
	}
	return true
}

func (d *Desk) open(ctx context.Context, tx *sql.Tx, ev eventFunc, p *post.Post, t triage, key string, authorID int64, now time.Time) (int64, error) {
	ref, err := d.nextRef(ctx, tx, now)
	if err != nil {
		return 0, err
	}
	var author sql.NullInt64
	if authorID != 0 {
		author = sql.NullInt64{Int64: authorID, Valid: true}
	}
	first, resolve := d.opt.SLA.Deadlines(t.prio, now)
	var id int64
	err = d.queryRow(ctx, tx, qOpen,
		ref, t.prio, t.urgency, t.category, subject(p.Text), p.Platform, p.Channel, author, key, t.unit, t.traffic, t.lang,
		store.Bool(p.Private), store.Millis(first), store.Millis(resolve),
		store.Millis(p.CreatedAt), store.Millis(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("desk: unable to open case: %w", err)
	}
	body := map[string]any{"post_id": p.ID, "ref": ref, "priority": t.prio}
	if t.unit.Valid {
		body["unit_id"] = t.unit.Int64
	}
	return id, ev(id, "opened", body)
}

// nextRef allocates the next reference of the year, monotonic per
// (prefix, year) in the same transaction as the case.
func (d *Desk) nextRef(ctx context.Context, tx *sql.Tx, now time.Time) (string, error) {
	year := now.In(d.opt.Location).Year()
	var n int64
	err := d.queryRow(ctx, tx, qNextRef, d.opt.RefPrefix, year).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("desk: unable to allocate reference: %w", err)
	}
	return fmt.Sprintf("%s-%d-%06d", d.opt.RefPrefix, year, n), nil
}

// subject is the first line of a post, cut at 140 characters on a rune
// boundary.
func subject(text string) string {
	text = strings.TrimSpace(text)
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if utf8.RuneCountInString(text) <= 140 {
		return text
	}
	r := []rune(text)
	return string(r[:139]) + "…"
}

// The statements of the threading hot path, prepared once (HotQueries).
const (
	qParentCase = `SELECT ` + headCols + ` FROM posts p JOIN cases c ON c.id = p.case_id
		WHERE p.platform = $1 AND p.external_id = $2`
	// qOpenCases: each branch stops at its newest four (a regular
	// poster has many open cases), then the two merge.
	qOpenCases = `SELECT * FROM (SELECT ` + headCols + ` FROM cases c
			WHERE c.thread_key = $1 AND c.status NOT IN ('resolved', 'closed') ORDER BY c.id DESC LIMIT 4) AS own
		UNION ALL
		SELECT * FROM (SELECT ` + headCols + ` FROM thread_cases t JOIN cases c ON c.id = t.case_id
			WHERE t.thread_key = $1 AND c.status NOT IN ('resolved', 'closed') ORDER BY c.id DESC LIMIT 4) AS joined
		ORDER BY 1 DESC LIMIT 4`
	qCaseHead   = `SELECT ` + headCols + ` FROM cases c WHERE c.id = $1`
	qThreadCase = "INSERT INTO thread_cases (thread_key, case_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
	qOpen       = `INSERT INTO cases (ref, status, priority, urgency, category, subject, platform, channel,
		author_id, thread_key, unit_id, traffic_unit_id, lang, private, post_count, first_response_due, resolve_due,
		last_post_at, created_at, updated_at)
		VALUES ($1, 'new', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $16, $17, $17) RETURNING id`
	// qJoin adds a post that changes nothing else of the case (most do);
	// it sets no column an index of the inbox holds but last_post_at, so
	// those indexes are not rewritten for nothing.
	qJoin = `UPDATE cases SET post_count = post_count + 1,
		last_post_at = CASE WHEN last_post_at > $3 THEN last_post_at ELSE $3 END,
		urgency = CASE WHEN urgency > $4 THEN urgency ELSE $4 END,
		updated_at = $5, version = version + 1 WHERE id = $1 AND version = $2`
	// qJoinFollow writes what follow decided, if the case is still at the
	// version it read.
	qJoinFollow = `UPDATE cases SET post_count = post_count + 1,
		last_post_at = CASE WHEN last_post_at > $3 THEN last_post_at ELSE $3 END,
		urgency = CASE WHEN urgency > $4 THEN urgency ELSE $4 END,
		priority = $5, category = $6, unit_id = $7, traffic_unit_id = $8, first_response_due = $9, resolve_due = $10,
		status = $11, resolved_at = CASE WHEN $11 = 'open' THEN NULL ELSE resolved_at END,
		updated_at = $12, version = version + 1 WHERE id = $1 AND version = $2`
	qNextRef = `INSERT INTO ref_counters (prefix, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (prefix, year) DO UPDATE SET last = ref_counters.last + 1 RETURNING last`
	qEvent = "INSERT INTO case_events (case_id, at, actor_id, kind, body) VALUES ($1, $2, $3, $4, $5)"
	// qLock takes PostgreSQL advisory locks in ascending order (locks.go).
	qLock = "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) AS s"
)

// qCaseHeadLocked reads a case head and, on PostgreSQL, locks its row.
func (d *Desk) qCaseHeadLocked() string {
	if d.db.Dialect == store.Postgres {
		return qCaseHead + " FOR UPDATE"
	}
	return qCaseHead
}

// HotQueries are the statements Attach and Batch.Flush run, for
// store.DB.Prepare.
func (d *Desk) HotQueries() []string {
	q := []string{qParentCase, qOpenCases, qCaseHead, qOpen, qJoin, qJoinFollow, qNextRef, qEvent, d.qEvents(), d.qLinks(),
		d.qCatchUp(), d.qFingerprints()}
	if d.db.Dialect == store.Postgres {
		q = append(q, qLock, d.qCaseHeadLocked())
	}
	return q
}

func (d *Desk) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	st, err := d.db.Stmt(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (d *Desk) queryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	st, err := d.db.Stmt(ctx, tx, q)
	if err != nil {
		return tx.QueryRowContext(ctx, q, args...) // reports the same error on Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// event appends to a case's timeline inside the caller's transaction.
func (d *Desk) event(ctx context.Context, tx *sql.Tx, caseID, actor int64, kind string, body map[string]any, now time.Time) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var a sql.NullInt64
	if actor != 0 {
		a = sql.NullInt64{Int64: actor, Valid: true}
	}
	if _, err := d.exec(ctx, tx, qEvent, caseID, store.Millis(now), a, kind, string(b)); err != nil {
		return fmt.Errorf("desk: unable to record event: %w", err)
	}
	return nil
}
