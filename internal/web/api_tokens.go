package web

import (
	"net/http"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
)

type tokenRequest struct {
	Name    string `json:"name"`
	TTLDays int    `json:"ttl_days,omitempty"` // 0: no expiry
	// UserID lets an administrator issue a token for another user (a
	// service account); others may only create their own.
	UserID int64 `json:"user_id,omitempty"`
}

type tokenCreated struct {
	Token  *auth.Token `json:"token"`
	Secret string      `json:"secret"` // shown once
}

func (s *Server) handleTokensList(w http.ResponseWriter, r *http.Request) error {
	user, err := QueryInt(r, "user_id", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	toks, err := s.auth.TokensFor(r.Context(), Principal(r), user)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, toks)
}

func (s *Server) handleTokensCreate(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.TTLDays < 0 || req.TTLDays > 3650 {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: "ttl_days", Message: "ttl_days must be from 0 (no expiry) to 3650"}
	}
	tok, secret, err := s.auth.CreateTokenFor(r.Context(), Principal(r), req.UserID, req.Name, time.Duration(req.TTLDays)*24*time.Hour)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusCreated, tokenCreated{Token: tok, Secret: secret})
}

func (s *Server) handleTokensRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.auth.RevokeTokenFor(r.Context(), Principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
