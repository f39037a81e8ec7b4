package web

import (
	"net/http"

	"github.com/kaval-desk/kaval/internal/auth"
)

// routesTable is the route table of the surfaces this package owns: the
// operational endpoints and the /api/v1 account, token, session and audit
// routes. The permission each route needs is declared beside it.
func (s *Server) routesTable() {
	const (
		GET, POST, PATCH, DELETE = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
		public, anyUser          = auth.PermPublic, auth.PermAuthenticated
	)
	ops := []string{"operations"}
	s.Route(GET, "/healthz", public, OpDoc{Summary: "Process is alive", Tags: ops, Response: statusBody{}}, s.handleHealthz)
	s.Route(GET, "/readyz", public, OpDoc{Summary: "Ready to serve: database reachable and components ready", Tags: ops, Response: statusBody{}}, s.handleReadyz)
	// /metrics is not served here, on the listener citizens reach (the
	// public form): MetricsHandler serves it on its own address.
	s.Route(GET, "/api/v1/openapi.json", public, OpDoc{Summary: "This OpenAPI 3.1 document", Tags: ops, RawResponse: "application/json"}, s.handleOpenAPI)

	sess := []string{"session"}
	s.Route(POST, "/api/v1/session", public, OpDoc{Summary: "Log in: sets the session cookie", Tags: sess,
		Description: "Rate-limited per client IP; repeated failures lock the account for a while (423).",
		Request:     loginRequest{}, Response: loginResponse{}, Status: http.StatusCreated}, s.handleLogin)
	s.Route(DELETE, "/api/v1/session", anyUser, OpDoc{Summary: "Log out: ends this session", Tags: sess}, s.handleLogout)
	s.Route(GET, "/api/v1/sessions", anyUser, OpDoc{Summary: "My live browser sessions (administrators: everyone's)", Tags: sess,
		Params: []Param{{Name: "user_id", Type: "integer", Description: "administrators: only this user's sessions"}}, Response: []auth.SessionInfo{}}, s.handleSessionsList)
	s.Route(DELETE, "/api/v1/sessions/{id}", anyUser, OpDoc{Summary: "End a browser session (mine; administrators: anyone's)", Tags: sess,
		Params: []Param{{Name: "id", In: "path", Type: "integer"}}}, s.handleSessionsEnd)

	me := []string{"me"}
	s.Route(GET, "/api/v1/me", anyUser, OpDoc{Summary: "Who am I: user, role, permissions, unit scope", Tags: me, Response: meResponse{}}, s.handleMe)
	s.Route(POST, "/api/v1/me/password", anyUser, OpDoc{Summary: "Change my password", Tags: me, Request: passwordRequest{}}, s.handleChangePassword)
	s.Route(POST, "/api/v1/me/totp", anyUser, OpDoc{Summary: "Start two-factor enrolment", Tags: me, Response: totpEnrolResponse{}}, s.handleTOTPEnrol)
	s.Route(POST, "/api/v1/me/totp/confirm", anyUser, OpDoc{Summary: "Confirm two-factor enrolment with a code", Tags: me, Request: totpConfirmRequest{}}, s.handleTOTPConfirm)

	users := []string{"users"}
	id := []Param{{Name: "id", In: "path", Type: "integer"}}
	s.Route(GET, "/api/v1/users", auth.PermUsersManage, OpDoc{Summary: "List users", Tags: users, Response: []auth.User{}}, s.handleUsersList)
	s.Route(POST, "/api/v1/users", auth.PermUsersManage, OpDoc{Summary: "Create a user", Tags: users,
		Description: "Without a password, a one-time password is generated, returned once, and must be changed at first login.",
		Request:     auth.NewUser{}, Response: userCreated{}, Status: http.StatusCreated}, s.handleUsersCreate)
	s.Route(GET, "/api/v1/users/{id}", auth.PermUsersManage, OpDoc{Summary: "Get a user", Tags: users, Params: id, Response: auth.User{}}, s.handleUsersGet)
	s.Route(PATCH, "/api/v1/users/{id}", auth.PermUsersManage, OpDoc{Summary: "Change a user's name, role, unit, team or disabled flag", Tags: users, Params: id,
		Request: auth.UserPatch{}, Response: auth.User{}}, s.handleUsersUpdate)
	s.Route(POST, "/api/v1/users/{id}/disable", auth.PermUsersManage, OpDoc{Summary: "Disable a user (ends their sessions and tokens)", Tags: users, Params: id, Response: auth.User{}}, s.handleUsersDisable)
	s.Route(POST, "/api/v1/users/{id}/reset-password", auth.PermUsersManage, OpDoc{Summary: "Reset a user's password to a new one-time password", Tags: users, Params: id,
		Response: passwordReset{}}, s.handleUsersResetPassword)

	toks := []string{"tokens"}
	s.Route(GET, "/api/v1/tokens", auth.PermTokensOwn, OpDoc{Summary: "List my API tokens (administrators: everyone's)", Tags: toks,
		Params: []Param{{Name: "user_id", Type: "integer", Description: "administrators: only this user's tokens"}}, Response: []auth.Token{}}, s.handleTokensList)
	s.Route(POST, "/api/v1/tokens", auth.PermTokensOwn, OpDoc{Summary: "Create an API token (the secret is shown once)", Tags: toks,
		Request: tokenRequest{}, Response: tokenCreated{}, Status: http.StatusCreated}, s.handleTokensCreate)
	s.Route(DELETE, "/api/v1/tokens/{id}", auth.PermTokensOwn, OpDoc{Summary: "Revoke an API token", Tags: toks, Params: id}, s.handleTokensRevoke)

	audit := []string{"audit"}
	s.Route(GET, "/api/v1/audit", auth.PermAuditRead, OpDoc{Summary: "Audit log, newest first", Tags: audit, Params: []Param{
		{Name: "actor_id", Type: "integer"}, {Name: "action", Description: "exact, or a prefix ending in '.' (user.)"},
		{Name: "target", Description: "e.g. user:12"}, {Name: "before_id", Type: "integer", Description: "page backwards"},
		{Name: "limit", Type: "integer", Description: "1–1000, default 100"},
	}, Response: []auth.AuditRecord{}}, s.handleAuditList)
	s.Route(GET, "/api/v1/audit/verify", auth.PermAuditRead, OpDoc{Summary: "Verify the audit hash chain", Tags: audit, Response: verifyResponse{}}, s.handleAuditVerify)
}
