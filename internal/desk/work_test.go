package desk_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/analyze/labels"
	"github.com/kaval-desk/kaval/internal/bus"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/store"
)

func TestSavedViews(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		mine, err := e.desk.SaveView(ctx, e.users["asha"], "Kannada urgent", "lang=kn&urgency=60", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.desk.SaveView(ctx, e.users["sup"], "Overdue", "overdue=true", true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.desk.SaveView(ctx, e.users["ravi"], "Ravi's", "assignee=me", false); err != nil {
			t.Fatal(err)
		}
		// Saving a name again replaces it.
		if v, err := e.desk.SaveView(ctx, e.users["asha"], "Kannada urgent", "lang=kn&urgency=80", false); err != nil || v.ID != mine.ID || v.Query != "lang=kn&urgency=80" {
			t.Fatalf("resave: %+v %v", v, err)
		}
		vs, err := e.desk.Views(ctx, e.users["asha"])
		if err != nil || len(vs) != 2 || vs[0].Name != "Kannada urgent" || vs[1].Name != "Overdue" || !vs[1].Shared || vs[1].OwnerName != "Sup" {
			t.Fatalf("asha's views: %+v %v", vs, err)
		}
		if _, err := e.desk.SaveView(ctx, e.users["asha"], " ", "", false); err == nil {
			t.Fatal("empty name accepted")
		}
		// Nobody deletes another's personal view; a supervisor may tidy shared ones.
		if err := e.desk.DeleteView(ctx, mine.ID, e.users["ravi"], true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("someone else deleted a personal view: %v", err)
		}
		if err := e.desk.DeleteView(ctx, vs[1].ID, e.users["asha"], false); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an agent deleted a shared view: %v", err)
		}
		if err := e.desk.DeleteView(ctx, mine.ID, e.users["asha"], false); err != nil {
			t.Fatal(err)
		}
	})
}

func TestNotesMentionPeople(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		c := e.post(t, "a", "theft st=Jayanagar")
		other := e.post(t, "b", "noise st=Hebbal")
		ev, err := e.desk.Note(ctx, c.ID, desk.Scope{}, e.users["asha"], "@Ravi please call, cc @jay @nobody asha@example.com @asha <script>x</script>")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := ev.Body["mentions"].([]int64); !slices.Equal(got, []int64{e.users["ravi"], e.users["jay"]}) {
			t.Fatalf("mentions %v", ev.Body["mentions"])
		}
		if _, err := e.desk.Note(ctx, other.ID, desk.Scope{}, e.users["asha"], "@jay not your station"); err != nil {
			t.Fatal(err)
		}
		ms, err := e.desk.Mentions(ctx, e.users["ravi"], desk.Scope{}, true, 0)
		if err != nil || len(ms) != 1 || ms[0].Ref != c.Ref || !strings.Contains(ms[0].Text, "<script>") || ms[0].AuthorName != "Asha" {
			t.Fatalf("ravi's mentions: %+v %v", ms, err)
		}
		// The station officer is named on two cases but sees only their own.
		jay := desk.Scope{Restricted: true, UnitID: e.units["Jayanagar"]}
		if ms, _ := e.desk.Mentions(ctx, e.users["jay"], jay, false, 0); len(ms) != 1 || ms[0].CaseID != c.ID {
			t.Fatalf("station officer's mentions: %+v", ms)
		}
		if n, _ := e.desk.UnreadMentions(ctx, e.users["ravi"]); n != 1 {
			t.Fatalf("unread %d", n)
		}
		// Opening a case where one is not named reads nothing (and writes
		// nothing); opening the case where one is reads its mentions.
		if err := e.desk.ReadMentions(ctx, e.users["ravi"], other.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.desk.UnreadMentions(ctx, e.users["ravi"]); n != 1 {
			t.Fatalf("unread after opening another case %d", n)
		}
		if err := e.desk.ReadMentions(ctx, e.users["ravi"], c.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.desk.UnreadMentions(ctx, e.users["ravi"]); n != 0 {
			t.Fatalf("unread after reading %d", n)
		}
		if ms, _ := e.desk.Mentions(ctx, e.users["asha"], desk.Scope{}, false, 0); len(ms) != 0 {
			t.Fatalf("naming oneself is no mention: %+v", ms)
		}
	})
}

func TestTemplatesRender(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		// The defaults are valid templates, stored once.
		for range 2 {
			if err := e.desk.SeedTemplates(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if ts, _ := e.desk.Templates(ctx); len(ts) != 3 {
			t.Fatalf("%d default templates", len(ts))
		}
		if _, err := db.Write.Exec("DELETE FROM reply_templates"); err != nil {
			t.Fatal(err)
		}
		c := e.post(t, "a", "my child is missing cat=child_safety lang=kn st=Jayanagar")
		tpl, err := e.desk.SaveTemplate(ctx, desk.Template{Name: "Ack", Bodies: map[string]string{
			"en": "Dear {name}, your reference is {ref}. {station} ({station_phone}) is on it. Call {helpline}.",
			"kn": "ನಿಮ್ಮ ಉಲ್ಲೇಖ ಸಂಖ್ಯೆ {ref}. {station} ಠಾಣೆ ({station_phone}). {helpline}",
		}}, e.users["sup"])
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.desk.RenderTemplate(ctx, tpl.ID, c.ID, desk.Scope{}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Lang != "kn" || !strings.Contains(r.Text, c.Ref) || !strings.Contains(r.Text, "080-22942587") || !strings.Contains(r.Text, "1098") {
			t.Fatalf("kannada render: %+v", r)
		}
		shown := func(desk.Case) bool { return true }
		r, _ = e.desk.RenderTemplate(ctx, tpl.ID, c.ID, desk.Scope{}, "en", shown)
		if r.Text != "Dear Citizen a, your reference is "+c.Ref+". Jayanagar PS (080-22942587) is on it. Call Childline 1098." {
			t.Fatalf("english render: %q", r.Text)
		}
		// A viewer who may not see the name gets the placeholder, which
		// FillReply completes as the reply is queued.
		r, _ = e.desk.RenderTemplate(ctx, tpl.ID, c.ID, desk.Scope{}, "en", nil)
		if !strings.HasPrefix(r.Text, "Dear {name}, your reference") || slices.Contains(r.Missing, "name") {
			t.Fatalf("masked render: %+v", r)
		}
		if got := desk.FillReply(r.Text, c, "https://k.example/"); !strings.HasPrefix(got, "Dear Citizen a, your reference is "+c.Ref+".") {
			t.Fatalf("filled: %q", got)
		}
		if got := desk.FillReply("Dear {name}, see {status_url}", desk.Case{Ref: "R-1", StatusCode: "12345678"}, "https://k.example/"); got != "Dear, see https://k.example/report/status?code="+desk.FormatStatusCode("12345678")+"&ref=R-1" {
			t.Fatalf("no name: %q", got)
		}
		// Hindi has no variant: English is used.
		if r, _ := e.desk.RenderTemplate(ctx, tpl.ID, c.ID, desk.Scope{}, "hi", nil); r.Lang != "en" {
			t.Fatalf("fallback: %+v", r)
		}
		// A case without a station: the gap is reported, not papered over.
		n := e.post(t, "b", "hello")
		if r, _ := e.desk.RenderTemplate(ctx, tpl.ID, n.ID, desk.Scope{}, "en", nil); !slices.Contains(r.Missing, "station") || !strings.Contains(r.Text, "112") {
			t.Fatalf("no station: %+v", r)
		}
		for _, bad := range []desk.Template{
			{Name: "x", Bodies: map[string]string{"en": "{password}"}},
			{Name: "x", Bodies: map[string]string{"fr": "bonjour"}},
			{Name: "x", Bodies: map[string]string{}},
			{Name: "Ack", Bodies: map[string]string{"en": "dup"}},
			{Name: "x", Helpline: "999", Bodies: map[string]string{"en": "hi"}},
		} {
			if _, err := e.desk.SaveTemplate(ctx, bad, 0); err == nil {
				t.Errorf("bad template accepted: %+v", bad)
			}
		}
		tpl.Bodies["hi"] = "आपका संदर्भ {ref}"
		tpl2, err := e.desk.SaveTemplate(ctx, tpl, 0)
		if err != nil || tpl2.Version != 2 {
			t.Fatalf("update: %+v %v", tpl2, err)
		}
		if _, err := e.desk.SaveTemplate(ctx, tpl, 0); !errors.Is(err, desk.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
	})
}

// Escalate → the station's queue → action taken → the desk is prompted to
// tell the citizen → a reply clears the prompt; the public progress never
// carries the notes or the FIR text beyond the action.
func TestEscalationLoop(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		c := e.post(t, "a", "chain snatched emg u=85 st=Koramangala")
		jay := desk.Scope{Restricted: true, UnitID: e.units["Jayanagar"]}
		if _, err := e.desk.Escalate(ctx, c.ID, desk.Scope{}, e.users["asha"], e.units["Jayanagar"], " "); err == nil {
			t.Fatal("escalation without a note accepted")
		}
		if _, err := e.desk.Escalate(ctx, c.ID, desk.Scope{}, e.users["asha"], 99999, "note"); err == nil {
			t.Fatal("escalation to a missing unit accepted")
		}
		if _, err := e.desk.GetCase(ctx, c.ID, jay); !errors.Is(err, store.ErrNotFound) {
			t.Fatal("Jayanagar sees Koramangala's case before escalation")
		}
		// The suggestion (Koramangala) is changed to Jayanagar.
		got, err := e.desk.Escalate(ctx, c.ID, desk.Scope{}, e.users["asha"], e.units["Jayanagar"], "Victim near 4th block bus stop; call back")
		if err != nil || got.Status != desk.StatusWaitingStation || got.UnitID != e.units["Jayanagar"] {
			t.Fatalf("escalate: %+v %v", got, err)
		}
		queue := subjects(t, e, desk.CaseFilter{Status: []string{desk.StatusWaitingStation}}, jay)
		if len(queue) != 1 {
			t.Fatalf("station queue: %q", queue)
		}
		if _, err := e.desk.RecordStationAction(ctx, c.ID, jay, e.users["jay"], desk.StationAction{Action: desk.ActionFIR}); err == nil {
			t.Fatal("FIR without a number accepted")
		}
		if _, err := e.desk.RecordStationAction(ctx, c.ID, jay, e.users["jay"], desk.StationAction{Action: "arrested"}); err == nil {
			t.Fatal("unknown action accepted")
		}
		got, err = e.desk.RecordStationAction(ctx, c.ID, jay, e.users["jay"], desk.StationAction{Action: desk.ActionFIR, FIRNumber: "0412/2026", Note: "suspect identified"})
		if err != nil || got.Status != desk.StatusOpen || !slices.Contains(got.Tags, desk.TagTellCitizen) {
			t.Fatalf("action: %+v %v", got, err)
		}
		if _, err := e.desk.RecordStationAction(ctx, c.ID, jay, e.users["jay"], desk.StationAction{Action: desk.ActionVisited}); err == nil {
			t.Fatal("a second action without a new escalation accepted")
		}
		tpl, err := e.desk.SaveTemplate(ctx, desk.Template{Name: "Station acted", Purpose: "station_action", Bodies: map[string]string{
			"en": "Update on {ref}: {action}.", "kn": "{ref}: {action}."}}, 0)
		if err != nil {
			t.Fatal(err)
		}
		r, _ := e.desk.RenderTemplate(ctx, tpl.ID, c.ID, desk.Scope{}, "en", nil)
		if r.Text != "Update on "+c.Ref+": an FIR has been registered (FIR 0412/2026)." {
			t.Fatalf("tell template: %q", r.Text)
		}
		if r, _ := e.desk.RenderTemplate(ctx, tpl.ID, c.ID, desk.Scope{}, "kn", nil); !strings.Contains(r.Text, "ಎಫ್‌ಐಆರ್") {
			t.Fatalf("kannada tell template: %q", r.Text)
		}
		if told := subjects(t, e, desk.CaseFilter{Tag: desk.TagTellCitizen}, desk.Scope{}); len(told) != 1 {
			t.Fatalf("tell_citizen filter: %q", told)
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			return e.desk.RecordReply(ctx, tx, desk.ReplyOutcome{CaseID: c.ID, Actor: e.users["asha"], Outcome: desk.ReplySent})
		}); err != nil {
			t.Fatal(err)
		}
		if c2, _ := e.desk.GetCase(ctx, c.ID, desk.Scope{}); slices.Contains(c2.Tags, desk.TagTellCitizen) {
			t.Fatal("the prompt stayed after the citizen was told")
		}
		steps, err := e.desk.PublicProgress(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, s := range steps {
			kinds = append(kinds, s.Kind)
			if s.Kind == "escalated" && s.Unit != "Jayanagar PS" {
				t.Fatalf("escalated step: %+v", s)
			}
			if s.Kind == "station_action" && s.Action != desk.ActionFIR {
				t.Fatalf("action step: %+v", s)
			}
		}
		if !slices.Equal(kinds, []string{"received", "escalated", "station_action", "replied"}) {
			t.Fatalf("public steps %q", kinds)
		}
	})
}

func TestCorrectionsAreLabels(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		c := e.post(t, "a", "lost my phone in the bus cat=theft u=20 st=Hebbal")
		for _, cr := range []desk.Correction{
			{Task: "category", Label: "lost_found"},
			{Task: "emergency", Label: "true"},
			{Task: "lang", Label: "kn-Latn"},
			{Task: "sentiment", Label: "negative"},
			{Task: "station", UnitID: e.units["Jayanagar"]},
		} {
			if _, err := e.desk.Correct(ctx, c.ID, desk.Scope{}, e.users["asha"], cr); err != nil {
				t.Fatalf("%+v: %v", cr, err)
			}
		}
		got, _ := e.desk.GetCase(ctx, c.ID, desk.Scope{})
		if got.Category != "lost_found" || got.Priority != desk.P1 || got.Lang != "kn-Latn" || got.UnitID != e.units["Jayanagar"] ||
			!got.FirstResponseDue.Equal(got.CreatedAt.Add(15*time.Minute)) {
			t.Fatalf("case after corrections: %+v", got)
		}
		if neg := subjects(t, e, desk.CaseFilter{Sentiment: "negative"}, desk.Scope{}); len(neg) != 1 {
			t.Fatal("corrected sentiment not filterable")
		}
		ls, err := labels.ForTraining(ctx, db)
		if err != nil || len(ls) != 5 {
			t.Fatalf("labels: %+v %v", ls, err)
		}
		// The station is a label too: the unit's name, which outlives ids.
		var unitName string
		db.Read.QueryRow("SELECT name FROM units WHERE id = $1", e.units["Jayanagar"]).Scan(&unitName)
		if st := ls[4]; st.Task != "station" || st.Label != unitName || unitName == "" {
			t.Fatalf("station label %+v, want %q", st, unitName)
		}
		for _, l := range ls {
			if l.Text != "lost my phone in the bus cat=theft u=20 st=Hebbal" || l.UserID != e.users["asha"] || l.PostID == 0 {
				t.Fatalf("label %+v", l)
			}
		}
		ev, _ := e.desk.Timeline(ctx, c.ID, desk.Scope{})
		n := 0
		for _, x := range ev {
			if x.Kind == "correction" {
				n++
			}
		}
		if n != 5 {
			t.Fatalf("%d correction events", n)
		}
		for _, bad := range []desk.Correction{{Task: "category", Label: "aliens"}, {Task: "offensive", Label: "true"},
			{Task: "station"}, {Task: "lang", Label: "kn", PostID: 99999}} {
			if _, err := e.desk.Correct(ctx, c.ID, desk.Scope{}, 0, bad); err == nil {
				t.Errorf("bad correction accepted: %+v", bad)
			}
		}
		if ls, _ := labels.ForTraining(ctx, db); len(ls) != 5 {
			t.Fatalf("a refused correction stored a label: %d", len(ls))
		}
	})
}

func TestBulkAndMerge(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		// A rumour from three accounts: near-duplicate SimHashes (1–2 bits
		// apart), and one unrelated post.
		r1 := e.post(t, "a", "rumour of child lifters in a van sh=f0f0f0f0f0f0f0f0 u=40")
		r2 := e.post(t, "b", "rumour of child lifters in a van! sh=f0f0f0f0f0f0f0f1 emg u=70")
		r3 := e.post(t, "c", "rumour: child lifters in a van sh=f0f0f0f0f0f0f0f3")
		x := e.post(t, "d", "other matter entirely, a lost dog sh=0f0f0f0f0f0f0f0f")
		// A few words (a shared pin's marker) hash anywhere: never similar.
		e.post(t, "e", "pin sh=f0f0f0f0f0f0f0f0")
		sim, err := e.desk.Similar(ctx, r1.ID, desk.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		if ids := []int64{sim[0].ID, sim[1].ID}; len(sim) != 2 || !slices.Contains(ids, r2.ID) || !slices.Contains(ids, r3.ID) || sim[0].ID != r2.ID {
			t.Fatalf("similar: %v", refs(sim))
		}
		m, err := e.desk.Merge(ctx, r1.ID, []int64{r2.ID, r3.ID}, desk.Scope{}, e.users["asha"])
		if err != nil {
			t.Fatal(err)
		}
		if m.PostCount != 3 || m.Priority != min(r1.Priority, r2.Priority, r3.Priority) || m.Priority == r1.Priority || m.Urgency != 70 {
			t.Fatalf("merged case: %+v", m)
		}
		posts, _ := e.desk.ListPosts(ctx, desk.PostFilter{CaseID: r1.ID}, desk.Scope{})
		if len(posts) != 3 {
			t.Fatalf("merged case has %d posts", len(posts))
		}
		if c, _ := e.desk.GetCase(ctx, r2.ID, desk.Scope{}); c.Status != desk.StatusClosed || c.PostCount != 0 {
			t.Fatalf("merged-away case: %+v", c)
		}
		if _, err := e.desk.Merge(ctx, r1.ID, []int64{r2.ID}, desk.Scope{}, 0); err == nil {
			t.Fatal("merging a closed case again accepted")
		}
		// A station officer cannot pull another station's case into theirs.
		jay := desk.Scope{Restricted: true, UnitID: e.units["Jayanagar"]}
		if _, err := e.desk.Merge(ctx, r1.ID, []int64{x.ID}, jay, 0); err == nil {
			t.Fatal("out-of-scope merge accepted")
		}

		res, err := e.desk.ApplyBulk(ctx, desk.Scope{}, e.users["sup"], desk.Bulk{CaseIDs: []int64{r1.ID, x.ID, 99999}, Action: desk.BulkAssign, AssigneeID: e.users["ravi"]})
		if err != nil || len(res.Done) != 2 || res.Failed[99999] == "" {
			t.Fatalf("bulk assign: %+v %v", res, err)
		}
		if _, err := e.desk.ApplyBulk(ctx, desk.Scope{}, 0, desk.Bulk{CaseIDs: []int64{x.ID}, Action: desk.BulkCloseSpam}); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.desk.GetCase(ctx, x.ID, desk.Scope{}); c.Status != desk.StatusClosed || !slices.Contains(c.Tags, "spam") {
			t.Fatalf("close as spam: %+v", c)
		}
		// Undo.
		if _, err := e.desk.ApplyBulk(ctx, desk.Scope{}, 0, desk.Bulk{CaseIDs: []int64{x.ID}, Action: desk.BulkReopen}); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.desk.GetCase(ctx, x.ID, desk.Scope{}); c.Status != desk.StatusOpen || slices.Contains(c.Tags, "spam") {
			t.Fatalf("undo spam: %+v", c)
		}
		if _, err := e.desk.ApplyBulk(ctx, desk.Scope{}, 0, desk.Bulk{CaseIDs: []int64{x.ID}, Action: desk.BulkTag, Tag: "a\nb"}); err == nil {
			t.Fatal("bad tag accepted")
		}
		if _, err := e.desk.ApplyBulk(ctx, desk.Scope{}, 0, desk.Bulk{CaseIDs: []int64{x.ID}, Action: "delete"}); err == nil {
			t.Fatal("unknown action accepted")
		}
	})
}

// Two replicas share presence through the bus; a beat expires.
func TestPresenceAcrossReplicas(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	b := bus.NewInProc(0)
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p1, p2 := desk.NewPresence(b, clock), desk.NewPresence(b, clock)
	go p1.Run(ctx)
	go p2.Run(ctx)
	time.Sleep(50 * time.Millisecond)
	p1.Beat(ctx, 7, 1, "Asha", true, false)
	deadline := time.Now().Add(2 * time.Second)
	for len(p2.Others(7, 2)) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	o := p2.Others(7, 2)
	if len(o) != 1 || o[0].Name != "Asha" || !o[0].Typing {
		t.Fatalf("replica 2 sees %+v", o)
	}
	if len(p1.Others(7, 1)) != 0 {
		t.Fatal("one sees oneself")
	}
	now = now.Add(10 * time.Second)
	if o := p2.Others(7, 2); len(o) != 1 || o[0].Typing {
		t.Fatalf("typing should have lapsed: %+v", o)
	}
	now = now.Add(desk.PresenceTTL)
	if o := p2.Others(7, 2); len(o) != 0 {
		t.Fatalf("presence should have expired: %+v", o)
	}
}
