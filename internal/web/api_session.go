package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Code     string `json:"code,omitempty"` // TOTP, when the user has 2FA
}

type loginResponse struct {
	User       *auth.User `json:"user"`
	MustChange bool       `json:"must_change"`
	ExpiresAt  time.Time  `json:"expires_at"`
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	u, sess, err := s.LogIn(w, r, req.Username, req.Password, req.Code)
	if err != nil {
		return err
	}
	return JSON(w, http.StatusCreated, loginResponse{User: u, MustChange: u.MustChange, ExpiresAt: sess.ExpiresAt})
}

// LogIn is the one login path for the API and the login page: the
// per-address rate limit, the password (and TOTP) check with its lockout
// counter, a new session, and the session cookie on w.
func (s *Server) LogIn(w http.ResponseWriter, r *http.Request, username, password, code string) (*auth.User, *auth.Session, error) {
	ip := infoFrom(r.Context()).ip
	if ok, wait := s.login.allow(ip); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return nil, nil, &Error{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "too many login attempts from your address; slow down"}
	}
	if username == "" || password == "" || len(password) > auth.MaxPasswordLen {
		return nil, nil, auth.ErrInvalidCredentials
	}
	u, err := s.auth.Authenticate(r.Context(), username, password, code)
	if err != nil {
		return nil, nil, err
	}
	sess, secret, err := s.auth.CreateSession(r.Context(), u, ip, r.UserAgent())
	if err != nil {
		return nil, nil, err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cfg.CookieName, Value: secret, Path: "/", Expires: sess.ExpiresAt,
		MaxAge: int(time.Until(sess.ExpiresAt).Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.secure(r),
	})
	return u, sess, nil
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.LogOut(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// LogOut ends the request's session and clears its cookie.
func (s *Server) LogOut(w http.ResponseWriter, r *http.Request) error {
	p := Principal(r)
	if p == nil || p.Method != auth.MethodSession {
		return &Error{Status: http.StatusBadRequest, Code: "not_a_session", Message: "this request is authenticated by a token, not a session; revoke tokens with DELETE /api/v1/tokens/{id}"}
	}
	if err := s.auth.RevokeSession(r.Context(), p.SessionID); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cfg.CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r)})
	return nil
}

// Secure says whether the client reached us over TLS (directly or through
// our own proxy), so that cookies set by pages are marked Secure too.
func (s *Server) Secure(r *http.Request) bool { return s.secure(r) }

// secure says whether the client reached us over TLS, directly or through
// our own proxy.
func (s *Server) secure(r *http.Request) bool {
	return s.cfg.SecureCookies || r.TLS != nil || s.cfg.TrustProxyHeaders && r.Header.Get("X-Forwarded-Proto") == "https"
}
