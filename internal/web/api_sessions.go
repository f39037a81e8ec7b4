package web

import (
	"net/http"
)

func (s *Server) handleSessionsList(w http.ResponseWriter, r *http.Request) error {
	user, err := QueryInt(r, "user_id", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	list, err := s.auth.SessionsFor(r.Context(), Principal(r), user)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, list)
}

func (s *Server) handleSessionsEnd(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.auth.EndSession(r.Context(), Principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
