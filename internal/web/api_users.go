package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
)

type userCreated struct {
	User *auth.User `json:"user"`
	// OneTimePassword is set when the request gave no password: shown
	// once, to hand to the person, who must change it at first login.
	OneTimePassword string `json:"one_time_password,omitempty"`
}

type passwordReset struct {
	OneTimePassword string `json:"one_time_password"`
}

func (s *Server) handleUsersList(w http.ResponseWriter, r *http.Request) error {
	users, err := s.auth.ListUsers(r.Context())
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, users)
}

func (s *Server) handleUsersCreate(w http.ResponseWriter, r *http.Request) error {
	var req auth.NewUser
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	u, pw, err := s.auth.CreateUser(r.Context(), req)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusCreated, userCreated{User: u, OneTimePassword: pw})
}

func (s *Server) handleUsersGet(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, u)
}

func (s *Server) handleUsersUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	var req auth.UserPatch
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	u, err := s.auth.UpdateUser(r.Context(), id, req)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, u)
}

func (s *Server) handleUsersDisable(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.auth.DisableUser(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, u)
}

func (s *Server) handleUsersResetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := PathID(r, "id")
	if err != nil {
		return err
	}
	pw, err := s.auth.ResetPassword(r.Context(), id)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, passwordReset{OneTimePassword: pw})
}
