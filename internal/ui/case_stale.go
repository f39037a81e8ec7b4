package ui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/desk"
	"github.com/kaval-desk/kaval/internal/privacy"
)

// The stale-edit screen (optimistic locking, UI.md): a case's forms carry
// the version the page showed and when it was shown. When someone changed
// the case in between, the action is not applied: the person sees what
// changed since, and their own change, ready to apply again on the case
// as it is now, or to drop. Nothing is overwritten silently.

// staleField is one field of the form that was not applied.
type staleField struct{ Name, Value string }

type staleData struct {
	Case    desk.Case
	Action  string // the action's path segment: status, assign, escalate…
	Fields  []staleField
	Changes []eventView
	Seen    int64 // now, for the re-apply form
}

// staleActions are the case actions whose forms carry the case's version.
var staleActions = []string{"assign", "status", "tags", "escalate", "station-action", "correct"}

// isStale reports whether the form was made from an older version of the
// case than the one stored.
func (dp *deskPages) isStale(r *http.Request, id int64, p *auth.Principal) (bool, error) {
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || v <= 0 {
		return false, nil // an API-like post without a version: no check asked for
	}
	c, err := dp.d.GetCase(r.Context(), id, desk.ScopeOf(p))
	if err != nil {
		return false, err
	}
	return c.Version != v, nil
}

// stale answers 409 with the stale-edit screen for action on case id.
func (dp *deskPages) stale(w http.ResponseWriter, r *http.Request, id int64, action string) error {
	ctx := r.Context()
	p := auth.FromContext(ctx)
	sc := desk.ScopeOf(p)
	raw, err := dp.d.GetCase(ctx, id, sc)
	if err != nil {
		return err
	}
	names := privacy.CaseNames(raw)
	data := staleData{Case: maskedCase(raw), Action: action, Seen: dp.u.now().UnixMilli()}
	if !slices.Contains(staleActions, action) {
		data.Action = "other"
	}
	for k, vs := range r.PostForm {
		if k == "version" || k == "seen" {
			continue
		}
		for _, v := range vs {
			data.Fields = append(data.Fields, staleField{Name: k, Value: v})
		}
	}
	slices.SortFunc(data.Fields, func(a, b staleField) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	seen, _ := strconv.ParseInt(r.PostFormValue("seen"), 10, 64)
	userNames, _, err := dp.userNames(r)
	if err != nil {
		return err
	}
	// The newest events are the changes (a long case has hundreds of
	// events, one per post; the whole timeline was read here).
	tl, err := dp.d.TimelineBefore(ctx, id, sc, 0, timelineShown)
	if err != nil {
		return err
	}
	var changed []desk.Event
	for _, e := range tl.Events {
		if seen <= 0 || e.At.UnixMilli() > seen {
			changed = append(changed, e)
		}
	}
	if seen <= 0 && len(changed) > 5 {
		changed = changed[len(changed)-5:]
	}
	data.Changes = eventViews(dp.u.translator(r), dp.u.now(), changed, userNames, names)
	return dp.u.Render(w, r, http.StatusConflict, "case_stale.html", View{Title: "case.stale.title", TitleArgs: []any{raw.Ref}, Data: data})
}
