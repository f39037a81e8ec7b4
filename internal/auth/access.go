package auth

import (
	"context"
	"errors"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// ErrForbidden: the principal may not act on another person's account
// data. The web layer answers 403.
var ErrForbidden = errors.New("auth: not allowed for your role")

// The rules for one's own account data versus everyone's, shared by the
// API and the desk's pages: a person manages their own tokens and
// sessions; a holder of users:manage manages anyone's.

// TokensFor lists the tokens p may see: their own, or (users:manage)
// those of userID, or everyone's when userID is 0.
func (s *Service) TokensFor(ctx context.Context, p *Principal, userID int64) ([]*Token, error) {
	if !p.Can(PermUsersManage) {
		userID = p.UserID
	}
	return s.ListTokens(ctx, userID)
}

// CreateTokenFor issues a token for userID (0: p themself) on behalf of p;
// only users:manage may issue one for someone else (a service account).
func (s *Service) CreateTokenFor(ctx context.Context, p *Principal, userID int64, name string, ttl time.Duration) (*Token, string, error) {
	if userID == 0 {
		userID = p.UserID
	}
	if userID != p.UserID && !p.Can(PermUsersManage) {
		return nil, "", ErrForbidden
	}
	return s.CreateToken(ctx, userID, name, ttl)
}

// RevokeTokenFor revokes a token on behalf of p: its owner or a holder of
// users:manage. Anyone else gets store.ErrNotFound, so token ids cannot
// be probed. Revoking twice is not an error.
func (s *Service) RevokeTokenFor(ctx context.Context, p *Principal, id int64) error {
	tok, err := s.GetToken(ctx, id)
	if err != nil {
		return err
	}
	if tok.UserID != p.UserID && !p.Can(PermUsersManage) {
		return store.ErrNotFound
	}
	return s.RevokeToken(ctx, id)
}

// SessionsFor lists the live sessions p may see, like TokensFor.
func (s *Service) SessionsFor(ctx context.Context, p *Principal, userID int64) ([]*SessionInfo, error) {
	if !p.Can(PermUsersManage) {
		userID = p.UserID
	}
	return s.ListSessions(ctx, userID)
}
