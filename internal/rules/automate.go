package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/notify"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// TagApproval on a case makes every reply on it wait for approval (the
// require-approval action sets it; web.Sensitive reads it).
const TagApproval = "approval_required"

// NotifyAction tells people that a rule matched (internal/notify).
type NotifyAction struct {
	Roles   []string `json:"roles,omitempty"`    // every active user of these roles
	UserIDs []int64  `json:"user_ids,omitempty"` // and these people
	// Broadcast also sends to the desk's configured Telegram chat and
	// webhook; each person also gets it by e-mail and Telegram where they
	// asked to.
	Broadcast bool   `json:"broadcast,omitempty"`
	Message   string `json:"message,omitempty"` // the rule author's own words, added to the notification
}

// SetNotifier gives the engine what the notify action sends through.
func (e *Engine) SetNotifier(n *notify.Notifier) { e.notifier = n }

// checkAutomation validates the acknowledgement, approval, notify and
// escalation actions of a rule being saved.
func checkAutomation(a *Actions) error {
	if a.AckTemplateID < 0 || a.EscalateUnitID < 0 {
		return invalid("actions", "ids are positive")
	}
	a.EscalateNote = strings.TrimSpace(a.EscalateNote)
	if len(a.EscalateNote) > desk.MaxEscalationNote || !utf8.ValidString(a.EscalateNote) {
		return invalid("escalate_note", "at most %d bytes", desk.MaxEscalationNote)
	}
	if a.EscalateNote != "" && a.EscalateUnitID == 0 {
		return invalid("escalate_note", "a note needs a station to escalate to")
	}
	if n := a.Notify; n != nil {
		if len(n.Roles) == 0 && len(n.UserIDs) == 0 && !n.Broadcast {
			return invalid("notify", "say whom to notify: roles, people or the broadcast channels")
		}
		for _, r := range n.Roles {
			if _, err := auth.ParseRole(r); err != nil {
				return invalid("notify", "unknown role %q", r)
			}
		}
		if len(n.UserIDs) > 50 || len(n.Roles) > 5 {
			return invalid("notify", "at most 50 people and 5 roles")
		}
		n.Message = strings.TrimSpace(n.Message)
		if utf8.RuneCountInString(n.Message) > 500 || strings.ContainsRune(n.Message, 0) {
			return invalid("notify", "the message is at most 500 characters")
		}
	}
	return nil
}

// automates reports whether a has one of this file's actions.
func (a *Actions) automates() bool {
	return a.AckTemplateID != 0 || a.RequireApproval || a.Notify != nil || a.EscalateUnitID != 0
}

// precheck finds, before anything changes, an action that can no longer
// be carried out (a deleted template or station): the rule is then
// switched off with that reason.
func (e *Engine) precheck(ctx context.Context, tx *sql.Tx, r *compiled) (string, error) {
	a := &r.Actions
	if a.AckTemplateID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM reply_templates WHERE id = $1", a.AckTemplateID).Scan(&n); err != nil {
			return "", fmt.Errorf("rules: unable to check a template: %w", err)
		}
		if n == 0 {
			return fmt.Sprintf("the acknowledgement template %d no longer exists", a.AckTemplateID), nil
		}
	}
	if a.EscalateUnitID != 0 {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM units WHERE id = $1", a.EscalateUnitID).Scan(&n); err != nil {
			return "", fmt.Errorf("rules: unable to check a unit: %w", err)
		}
		if n == 0 {
			return fmt.Sprintf("the station %d to escalate to no longer exists", a.EscalateUnitID), nil
		}
	}
	if a.Notify != nil && e.notifier == nil {
		return "notifications are not available on this desk", nil
	}
	if a.Alert != nil && e.alerter == nil {
		return "alerts are not available on this desk", nil
	}
	return "", nil
}

// automate carries out the acknowledgement, approval, escalation and
// notify actions in the pipeline's transaction, after act.
func (e *Engine) automate(ctx context.Context, tx *sql.Tx, r *compiled, p *post.Post, cs *caseRow, now time.Time, eventKey string) error {
	a := &r.Actions
	if a.AckTemplateID != 0 {
		// Once per case, ever: the primary key is the case.
		res, err := tx.ExecContext(ctx, `INSERT INTO rule_acks (case_id, rule_id, post_id, template_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`, cs.id, r.ID, p.ID, a.AckTemplateID, store.Millis(now))
		if err != nil {
			return fmt.Errorf("rules: unable to ask for an acknowledgement: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			if err := event(ctx, tx, cs.id, r, "auto_ack", map[string]any{"template_id": a.AckTemplateID, "post_id": p.ID}, now); err != nil {
				return err
			}
		}
	}
	if a.RequireApproval && !contains(cs.tags, TagApproval) {
		if _, err := tx.ExecContext(ctx, "INSERT INTO case_tags (case_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING", cs.id, TagApproval); err != nil {
			return fmt.Errorf("rules: unable to tag: %w", err)
		}
		if err := event(ctx, tx, cs.id, r, "tag", map[string]any{"added": TagApproval}, now); err != nil {
			return err
		}
		cs.tags = append(cs.tags, TagApproval)
	}
	if a.EscalateUnitID != 0 && a.EscalateUnitID != cs.unitID && desk.CanMove(cs.status, desk.StatusWaitingStation) {
		var name string
		if err := tx.QueryRowContext(ctx, "SELECT name FROM units WHERE id = $1", a.EscalateUnitID).Scan(&name); err != nil {
			return fmt.Errorf("rules: unable to read a unit: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET unit_id = $1, status = $2, updated_at = $3, version = version + 1 WHERE id = $4",
			a.EscalateUnitID, desk.StatusWaitingStation, store.Millis(now), cs.id); err != nil {
			return fmt.Errorf("rules: unable to escalate case %d: %w", cs.id, err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM case_tags WHERE case_id = $1 AND tag = $2", cs.id, desk.TagTellCitizen); err != nil {
			return err
		}
		note := a.EscalateNote
		if note == "" {
			note = "Escalated by the automation rule " + r.Name
		}
		if err := event(ctx, tx, cs.id, r, "escalate", map[string]any{"unit_id": a.EscalateUnitID, "unit": name, "from_unit_id": cs.unitID,
			"note": note, "from": cs.status}, now); err != nil {
			return err
		}
		cs.unitID, cs.status = a.EscalateUnitID, desk.StatusWaitingStation
	}
	if n := a.Notify; n != nil && e.notifier != nil {
		var ref, category string
		if err := tx.QueryRowContext(ctx, "SELECT ref, category FROM cases WHERE id = $1", cs.id).Scan(&ref, &category); err != nil {
			return fmt.Errorf("rules: unable to read case %d: %w", cs.id, err)
		}
		to := notify.Audience{Users: n.UserIDs, Broadcast: n.Broadcast}
		for _, role := range n.Roles {
			to.Roles = append(to.Roles, auth.Role(role))
		}
		what := ""
		if category != "" {
			what = ", " + category
		}
		m := notify.Notification{Kind: "rule.notify", Severity: notify.Info, Link: fmt.Sprintf("/desk/cases/%d", cs.id), CaseID: cs.id,
			Key: fmt.Sprintf("rule:%d:post:%d:%s", r.ID, p.ID, eventKey),
			Text: map[string]notify.Text{
				"en": {Subject: fmt.Sprintf("Rule “%s” matched %s (P%d%s)", r.Name, ref, cs.priority, what), Body: n.Message},
				"kn": {Subject: fmt.Sprintf("“%s” ನಿಯಮ %s (P%d%s) ಪ್ರಕರಣಕ್ಕೆ ಅನ್ವಯಿಸಿದೆ", r.Name, ref, cs.priority, what), Body: n.Message}}}
		if cs.priority == desk.P1 {
			m.Severity = notify.Warning
		}
		if _, _, err := e.notifier.SendTx(ctx, tx, m, to); err != nil {
			var ve *notify.ValidationError
			if errors.As(err, &ve) {
				e.log.Warn("rules: a notification was refused", "rule", r.ID, "err", err)
				return nil
			}
			return err
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
