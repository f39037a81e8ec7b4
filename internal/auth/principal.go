package auth

import "context"

// Method says how a request proved who it is.
type Method string

const (
	MethodSession Method = "session" // browser cookie: CSRF checks apply
	MethodToken   Method = "token"   // Authorization: Bearer kvl_…
	MethodSystem  Method = "system"  // in-process work and the CLI
)

// Principal is the authenticated actor of a request.
type Principal struct {
	UserID   int64
	Username string
	Name     string
	Role     Role
	UnitID   int64 // the user's unit (users.unit_id); 0 when none
	Team     string
	Perms    PermSet

	Method     Method
	SessionID  int64 // when Method == MethodSession
	TokenID    int64 // when Method == MethodToken
	MustChange bool  // logged in with a one-time password: must set a new one first
}

// Can reports whether the principal holds perm. A nil Principal can do
// nothing but public things.
func (p *Principal) Can(perm Perm) bool {
	if p == nil {
		return perm == PermPublic
	}
	return p.Perms.Has(perm)
}

// ScopeUnit says whether the principal's view of cases is restricted to one
// unit, and which. A station officer is always scoped: one without a unit
// gets (0, true) and must see nothing. Desk queries do:
//
//	if unit, ok := p.ScopeUnit(); ok { q += " AND unit_id = $n"; args = append(args, unit) }
func (p *Principal) ScopeUnit() (int64, bool) {
	if p == nil {
		return 0, true
	}
	if p.Role == RoleStationOfficer {
		return p.UnitID, true
	}
	return 0, false
}

// IsAdmin reports whether the principal is an administrator.
func (p *Principal) IsAdmin() bool { return p != nil && p.Role == RoleAdmin }

// SystemPrincipal is the actor for the CLI and background work; name shows
// in the audit log (e.g. "cli", "rules").
func SystemPrincipal(name string) *Principal {
	return &Principal{Username: name, Role: RoleAdmin, Perms: PermsOf(RoleAdmin), Method: MethodSystem}
}

type ctxKey int

const (
	principalKey ctxKey = iota
	clientIPKey
)

// WithPrincipal returns a context carrying p. The web layer does this for
// every authenticated request; the audit log reads the actor from it.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// FromContext returns the principal of the request, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// WithClientIP records the client address for audit entries.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey, ip)
}

// ClientIP returns the address recorded by WithClientIP.
func ClientIP(ctx context.Context) string {
	s, _ := ctx.Value(clientIPKey).(string)
	return s
}
