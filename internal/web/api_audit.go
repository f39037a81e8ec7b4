package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/privacy"
)

type verifyResponse struct {
	OK    bool  `json:"ok"`
	BadID int64 `json:"bad_id,omitempty"` // first entry that fails verification
}

func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) error {
	var f auth.AuditFilter
	var err error
	if f.ActorID, err = QueryInt(r, "actor_id", 0, 0, 1<<62); err != nil {
		return err
	}
	if f.BeforeID, err = QueryInt(r, "before_id", 0, 0, 1<<62); err != nil {
		return err
	}
	limit, err := QueryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	f.Limit = int(limit)
	q := r.URL.Query()
	f.Action, f.Target = q.Get("action"), q.Get("target")
	if len(f.Action) > 100 || len(f.Target) > 200 {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_parameter", Message: "action or target too long"}
	}
	recs, err := auth.ListAudit(r.Context(), s.deps.DB, f)
	if err != nil {
		return err
	}
	// The audit log is the auditor's record of the desk's own actions,
	// shown as written to those who may also see personal data.
	privacy.For(Principal(r)).AuditRecords(recs)
	return JSON(w, http.StatusOK, recs)
}

func (s *Server) handleAuditVerify(w http.ResponseWriter, r *http.Request) error {
	ok, bad, err := auth.VerifyAuditChain(r.Context(), s.deps.DB)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, verifyResponse{OK: ok, BadID: bad})
}
