package web

import (
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/rules"
)

// RulesAPI mounts the automation rules (rules:manage: administrators and
// supervisors): list, write, check and dry-run them. Every change is
// audited by the rules store.
func (s *Server) RulesAPI(st *rules.Store) {
	h := &ruleHandlers{st: st}
	tags := []string{"automation rules"}
	id := Param{Name: "id", In: "path", Type: "integer", Required: true}
	s.Route("GET", "/api/v1/rules", auth.PermRulesManage, OpDoc{Summary: "List the automation rules in the order they run", Tags: tags,
		Description: "A rule switched off by the desk (an action it could no longer carry out) has enabled false and its disabled_reason.",
		Response:    []rules.Rule{}}, h.list)
	s.Route("POST", "/api/v1/rules", auth.PermRulesManage, OpDoc{Summary: "Create an automation rule", Tags: tags,
		Description: "position 0 puts it last. It runs on posts put on the desk from now on, once per post.",
		Request:     rules.Rule{}, Response: rules.Rule{}, Status: http.StatusCreated}, h.create)
	s.Route("GET", "/api/v1/rules/{id}", auth.PermRulesManage, OpDoc{Summary: "An automation rule", Tags: tags,
		Params: []Param{id}, Response: rules.Rule{}}, h.get)
	s.Route("PUT", "/api/v1/rules/{id}", auth.PermRulesManage, OpDoc{Summary: "Replace an automation rule (version: refuse if changed since)", Tags: tags,
		Description: "Enabling a rule clears the reason the desk switched it off.",
		Params:      []Param{id}, Request: rules.Rule{}, Response: rules.Rule{}}, h.update)
	s.Route("DELETE", "/api/v1/rules/{id}", auth.PermRulesManage, OpDoc{Summary: "Delete an automation rule", Tags: tags,
		Params: []Param{id}}, h.delete)
	s.Route("POST", "/api/v1/rules/check", auth.PermRulesManage, OpDoc{Summary: "Validate a rule as it is edited: its canonical form, or the field in error", Tags: tags,
		Request: rules.Rule{}, Response: rules.Rule{}}, h.check)
	s.Route("POST", "/api/v1/rules/dry-run", auth.PermRulesManage, OpDoc{Summary: "How many past posts a rule would have matched", Tags: tags,
		Description: "Judges the rule (not stored) against the posts put on the desk in the last days, newest first, reading at most 20,000; changes nothing.",
		Params:      []Param{{Name: "days", Type: "integer", Description: "1–30, default 7"}},
		Request:     rules.Rule{}, Response: rules.DryRunResult{}}, h.dryRun)
}

type ruleHandlers struct{ st *rules.Store }

func (h *ruleHandlers) list(w http.ResponseWriter, r *http.Request) error {
	out, err := h.st.List(r.Context())
	if err != nil {
		return err
	}
	if out == nil {
		out = []rules.Rule{}
	}
	return JSON(w, http.StatusOK, out)
}

func (h *ruleHandlers) create(w http.ResponseWriter, r *http.Request) error {
	var in rules.Rule
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.st.Create(r.Context(), Principal(r).UserID, in)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusCreated, out)
}

func (h *ruleHandlers) get(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	out, err := h.st.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *ruleHandlers) update(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var in rules.Rule
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.st.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *ruleHandlers) delete(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.st.Delete(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *ruleHandlers) check(w http.ResponseWriter, r *http.Request) error {
	var in rules.Rule
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	out, err := h.st.Check(in)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}

func (h *ruleHandlers) dryRun(w http.ResponseWriter, r *http.Request) error {
	days, err := QueryInt(r, "days", 7, 1, 30)
	if err != nil {
		return err
	}
	var in rules.Rule
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	now := time.Now()
	out, err := h.st.DryRun(r.Context(), in, now.Add(-time.Duration(days)*24*time.Hour), now, rules.DryRunScan)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, out)
}
