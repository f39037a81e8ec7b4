package rules

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// putVia is put for a post that came in through a connected channel.
func (e *env) putVia(channelID int64, author, text string) (postID, caseID int64) {
	e.t.Helper()
	e.n++
	res, err := e.in.Submit(context.Background(), []post.Post{{Platform: post.X, ExternalID: fmt.Sprint(e.n), Text: text, ChannelID: channelID,
		Author: post.Author{ExternalID: author, Name: "Ravi"}, ThreadID: fmt.Sprint("t", e.n), CreatedAt: e.now}})
	if err != nil || res[0].Err != nil {
		e.t.Fatal(err, res)
	}
	if err := e.pl.Process(context.Background(), []int64{res[0].ID}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.Read.QueryRow("SELECT COALESCE(case_id, 0) FROM posts WHERE id = $1", res[0].ID).Scan(&caseID); err != nil {
		e.t.Fatal(err)
	}
	return res[0].ID, caseID
}

func TestAutomationActions(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		n := notify.New(db, notify.Config{}, notify.Options{Now: func() time.Time { return e.now }})
		e.eng.SetNotifier(n)
		var chID int64
		if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, created_at, updated_at) VALUES ('x', 'BCP on X', 0, 0) RETURNING id`).Scan(&chID); err != nil {
			t.Fatal(err)
		}
		d := desk.New(db, desk.Options{Now: func() time.Time { return e.now }})
		tpl, err := d.SaveTemplate(ctx, desk.Template{Name: "Automatic acknowledgement", Bodies: map[string]string{
			"en": "Dear {name}, we have your message ({ref}) and are on it.",
			"kn": "ಆತ್ಮೀಯ {name}, ನಿಮ್ಮ ಸಂದೇಶ ({ref}) ತಲುಪಿದೆ; ಕ್ರಮ ಕೈಗೊಳ್ಳುತ್ತಿದ್ದೇವೆ."}}, e.admin.UserID)
		if err != nil {
			t.Fatal(err)
		}
		ob := outbox.New(db)
		ack := NewAcker(db, d, ob, "https://desk.example.in", nil)
		ackRule := e.rule(Rule{Name: "Acknowledge theft", Conditions: Conditions{Categories: []string{"theft"}},
			Actions: Actions{AckTemplateID: tpl.ID, RequireApproval: true, EscalateUnitID: e.unitID,
				Notify: &NotifyAction{Roles: []string{"admin"}, Message: "Theft reported"}}})

		// A Kannada post: acknowledged in Kannada, once, on its thread.
		postID, caseID := e.putVia(chID, "ravi", "ನಮಸ್ಕಾರ my phone was stolen")
		st := e.state(caseID)
		if st.status != desk.StatusWaitingStation || st.unit != e.unitID || !contains(st.tags, TagApproval) {
			t.Fatalf("after the rule: %+v", st)
		}
		if k, err := ack.Process(ctx); err != nil || k != 1 {
			t.Fatalf("acknowledged %d: %v", k, err)
		}
		items, err := ob.List(ctx, outbox.Filter{CaseID: caseID})
		if err != nil || len(items) != 1 {
			t.Fatalf("outbox %+v %v", items, err)
		}
		it := items[0]
		if !strings.Contains(it.Text, "ಆತ್ಮೀಯ Ravi") || !strings.Contains(it.Text, "ತಲುಪಿದೆ") || it.PostID != postID || it.ChannelID != chID || !it.NeedsApproval {
			t.Fatalf("acknowledgement %+v", it)
		}
		// A follow-up post, a second acker (another replica), a restart:
		// still one acknowledgement.
		e.putVia(chID, "ravi", "ನಮಸ್ಕಾರ the phone stolen near the bus stop, any news?")
		if k, _ := NewAcker(db, d, ob, "", nil).Process(ctx); k != 0 {
			t.Fatalf("acknowledged again: %d", k)
		}
		if items, _ := ob.List(ctx, outbox.Filter{CaseID: caseID}); len(items) != 1 {
			t.Fatalf("outbox holds %d replies", len(items))
		}
		var queued int
		db.Read.QueryRow(`SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND kind = 'reply_queued'`, caseID).Scan(&queued)
		if queued != 1 {
			t.Fatalf("reply_queued events %d", queued)
		}
		// The notify action told the admins once per post.
		if k, _ := n.Unread(ctx, e.admin.UserID); k != 2 {
			t.Fatalf("admin notifications %d", k)
		}
		list, _ := n.List(ctx, e.admin.UserID, false, 0, 5)
		if !strings.Contains(list[0].In("en").Subject, "Acknowledge theft") || list[0].In("en").Body != "Theft reported" {
			t.Fatalf("notification %+v", list[0])
		}

		// The template is deleted: the rule is switched off with its reason
		// and the pipeline goes on.
		if err := d.DeleteTemplate(ctx, tpl.ID); err != nil {
			t.Fatal(err)
		}
		_, other := e.putVia(chID, "meena", "bike stolen from the market")
		got, _ := e.st.Get(e.ctx(), ackRule.ID)
		if got.Enabled || !strings.Contains(got.DisabledReason, "template") {
			t.Fatalf("rule after its template went: %+v", got)
		}
		if st := e.state(other); st.status == desk.StatusWaitingStation {
			t.Fatalf("a disabled rule acted: %+v", st)
		}
	})
}

func TestAutomationValidation(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		bad := []Actions{
			{Notify: &NotifyAction{}},
			{Notify: &NotifyAction{Roles: []string{"overlord"}}},
			{EscalateNote: "no station"},
			{AckTemplateID: -1},
		}
		for i, a := range bad {
			if _, err := e.st.Create(e.ctx(), e.admin.UserID, Rule{Name: fmt.Sprint("bad ", i), Enabled: true, Actions: a}); err == nil {
				t.Errorf("%d: accepted %+v", i, a)
			}
		}
		if _, err := e.st.Create(e.ctx(), e.admin.UserID, Rule{Name: "approval only", Actions: Actions{RequireApproval: true}}); err != nil {
			t.Fatalf("approval-only rule refused: %v", err)
		}
		_ = auth.RoleAdmin
	})
}

// An acknowledgement whose template needs what the case lacks (no station
// yet) is held for approval rather than sent with a hole in it.
func TestAcknowledgementMissingVariableWaits(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db)
		ctx := context.Background()
		var chID int64
		if err := db.Write.QueryRow(`INSERT INTO channels (platform, name, created_at, updated_at) VALUES ('x', 'BCP on X', 0, 0) RETURNING id`).Scan(&chID); err != nil {
			t.Fatal(err)
		}
		d := desk.New(db, desk.Options{Now: func() time.Time { return e.now }})
		tpl, err := d.SaveTemplate(ctx, desk.Template{Name: "Station ack", Bodies: map[string]string{"en": "Your case {ref} is with {station}."}}, e.admin.UserID)
		if err != nil {
			t.Fatal(err)
		}
		e.rule(Rule{Name: "Ack theft", Conditions: Conditions{Categories: []string{"theft"}}, Actions: Actions{AckTemplateID: tpl.ID}})
		_, caseID := e.putVia(chID, "ravi", "bike stolen")
		ob := outbox.New(db)
		if k, err := NewAcker(db, d, ob, "", nil).Process(ctx); err != nil || k != 1 {
			t.Fatalf("acknowledged %d: %v", k, err)
		}
		items, _ := ob.List(ctx, outbox.Filter{CaseID: caseID})
		if len(items) != 1 || !items[0].NeedsApproval || items[0].State != outbox.AwaitingApproval {
			t.Fatalf("held? %+v", items)
		}
	})
}
