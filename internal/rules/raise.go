package rules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/alert"
)

// KindRuleAlert is the kind of the alerts rules raise; the key is
// "rule:ID": one open alert per rule, counted each time it matches again,
// quiet for the cooldown after a person acknowledges it — deduplicated and
// cooled down like the detectors' alerts.
const KindRuleAlert = "rule"

// AlertAction raises a watch-floor alert when the rule matches.
type AlertAction struct {
	Severity string `json:"severity"`          // info, warning or critical
	Message  string `json:"message,omitempty"` // the rule author's own words, shown with the alert
}

// Alerter is what the alert action raises through (alert.Service).
type Alerter interface {
	RaiseTx(ctx context.Context, tx *sql.Tx, sig alert.Signal) (int64, alert.Outcome, error)
	AnnounceSoon(id int64)
}

// SetAlerter gives the engine what the alert action raises through.
func (e *Engine) SetAlerter(a Alerter) { e.alerter = a }

func checkAlert(a *Actions) error {
	al := a.Alert
	if al == nil {
		return nil
	}
	switch al.Severity {
	case alert.Info, alert.Warning, alert.Critical:
	default:
		return invalid("alert", "severity is info, warning or critical")
	}
	al.Message = strings.TrimSpace(al.Message)
	if utf8.RuneCountInString(al.Message) > 300 || strings.ContainsRune(al.Message, 0) || !utf8.ValidString(al.Message) {
		return invalid("alert", "the message is at most 300 characters")
	}
	return nil
}

// raises are the alerts the rules that matched in one transaction raise
// when it is done: one per rule, for the last case it matched, counted
// once per match. Raising per match locked the rule's alerts row again
// and again inside the pipeline's chunk transaction (a read and an update
// per matching post, other chunks' transactions queued on the row).
type raises struct {
	order []int64 // rule ids, in order of first match
	by    map[int64]*pendingRaise
}

type pendingRaise struct {
	r      *compiled
	caseID int64
	times  int64
}

// add notes a match of r on case caseID.
func (z *raises) add(e *Engine, r *compiled, caseID int64) {
	if r.Actions.Alert == nil || e.alerter == nil {
		return
	}
	if z.by == nil {
		z.by = map[int64]*pendingRaise{}
	}
	p := z.by[r.ID]
	if p == nil {
		p = &pendingRaise{r: r}
		z.by[r.ID] = p
		z.order = append(z.order, r.ID)
	}
	p.caseID = caseID
	p.times++
}

// raiseAll raises the noted alerts in tx.
func (e *Engine) raiseAll(ctx context.Context, tx *sql.Tx, z *raises) error {
	for _, id := range z.order {
		p := z.by[id]
		if err := e.raise(ctx, tx, p.r, p.caseID, p.times); err != nil {
			return err
		}
	}
	return nil
}

// raise raises the rule's alert, for its times matches (the last on case
// caseID), in the pipeline's transaction.
func (e *Engine) raise(ctx context.Context, tx *sql.Tx, r *compiled, caseID, times int64) error {
	al := r.Actions.Alert
	if al == nil || e.alerter == nil {
		return nil
	}
	var ref string
	if err := tx.QueryRowContext(ctx, "SELECT ref FROM cases WHERE id = $1", caseID).Scan(&ref); err != nil {
		return fmt.Errorf("rules: unable to read case %d: %w", caseID, err)
	}
	sig := alert.Signal{Kind: KindRuleAlert, Key: fmt.Sprint("rule:", r.ID), Subject: r.Name, Severity: al.Severity,
		Link: fmt.Sprintf("/desk/cases/%d", caseID), Detail: alert.Detail{Message: al.Message, Case: ref}, Times: times}
	id, out, err := e.alerter.RaiseTx(ctx, tx, sig)
	var inv *alert.Invalid
	if errors.As(err, &inv) {
		e.log.Warn("rules: an alert was refused", "rule", r.ID, "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	if out == alert.Opened || out == alert.Escalated {
		e.alerter.AnnounceSoon(id)
	}
	return nil
}
