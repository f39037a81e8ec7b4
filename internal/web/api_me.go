package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
)

type meResponse struct {
	User   *auth.User  `json:"user"`
	Perms  []auth.Perm `json:"perms"`
	Method auth.Method `json:"method"`
	// ScopeUnitID is set when the user only sees one unit's cases (0 with
	// Scoped=true means no unit: sees nothing).
	Scoped      bool  `json:"scoped"`
	ScopeUnitID int64 `json:"scope_unit_id,omitempty"`
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	p := Principal(r)
	u, err := s.auth.GetUser(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	unit, scoped := p.ScopeUnit()
	perms := p.Perms.List()
	if perms == nil {
		perms = []auth.Perm{}
	}
	return JSON(w, http.StatusOK, meResponse{User: u, Perms: perms, Method: p.Method, Scoped: scoped, ScopeUnitID: unit})
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := s.auth.ChangePassword(r.Context(), Principal(r).UserID, req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type totpEnrolResponse struct {
	URL string `json:"otpauth_url"` // for the authenticator app (QR code)
}

func (s *Server) handleTOTPEnrol(w http.ResponseWriter, r *http.Request) error {
	url, err := s.auth.EnrolTOTP(r.Context(), Principal(r).UserID)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusOK, totpEnrolResponse{URL: url})
}

type totpConfirmRequest struct {
	Code string `json:"code"`
}

func (s *Server) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) error {
	var req totpConfirmRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := s.auth.ConfirmTOTP(r.Context(), Principal(r).UserID, req.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
