package auth

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// validTOTP checks code against a user's sealed secret.
func (s *Service) validTOTP(userID int64, sealed, code string, now time.Time) bool {
	if sealed == "" || len(code) != 6 || s.cfg.Secrets == nil {
		return false
	}
	secret, err := s.cfg.Secrets.Open(sealed, totpAAD(userID))
	if err != nil {
		return false
	}
	ok, err := totp.ValidateCustom(code, string(secret), now, totpOpts)
	return err == nil && ok
}

// totpAAD binds a sealed secret to its user: copied to another row, it
// does not open.
func totpAAD(userID int64) []byte { return []byte(fmt.Sprintf("user:%d:totp", userID)) }

// EnrolTOTP generates a new TOTP secret for a user and stores it, not yet
// enabled. It returns the otpauth:// URL for the authenticator app. 2FA
// takes effect after ConfirmTOTP with a code from the app.
func (s *Service) EnrolTOTP(ctx context.Context, userID int64) (string, error) {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return "", err
	}
	if u.TOTPEnabled {
		return "", &ConflictError{Message: "two-factor authentication is already enabled"}
	}
	if s.cfg.Secrets == nil {
		return "", &ConflictError{Message: "two-factor authentication needs a master key (KAVAL_MASTER_KEY) to protect its secrets"}
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Kaval", AccountName: u.Username})
	if err != nil {
		return "", fmt.Errorf("auth: unable to generate TOTP key: %w", err)
	}
	sealed, err := s.cfg.Secrets.Seal([]byte(key.Secret()), totpAAD(userID))
	if err != nil {
		return "", fmt.Errorf("auth: unable to seal TOTP key: %w", err)
	}
	if _, err := s.db.Write.ExecContext(ctx, `UPDATE users SET totp_secret = $1 WHERE id = $2`, sealed, userID); err != nil {
		return "", fmt.Errorf("auth: unable to store TOTP key: %w", err)
	}
	return key.URL(), nil
}

// ConfirmTOTP enables 2FA when code matches the enrolled secret.
func (s *Service) ConfirmTOTP(ctx context.Context, userID int64, code string) error {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	if u.totpSecret == "" {
		return &ConflictError{Message: "no two-factor enrolment in progress"}
	}
	if !s.validTOTP(u.ID, u.totpSecret, code, s.now()) {
		return &ValidationError{Field: "code", Message: "does not match"}
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled = 1, updated_at = $1 WHERE id = $2`, s.nowMillis(), userID); err != nil {
			return fmt.Errorf("auth: unable to enable TOTP: %w", err)
		}
		return AuditTx(ctx, tx, Entry{Action: "user.totp_enable", Target: userTarget(userID)})
	})
}

// DisableTOTP turns 2FA off (an admin helping a user who lost their phone).
func (s *Service) DisableTOTP(ctx context.Context, userID int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_enabled = 0, totp_secret = '', updated_at = $1 WHERE id = $2`, s.nowMillis(), userID); err != nil {
			return fmt.Errorf("auth: unable to disable TOTP: %w", err)
		}
		return AuditTx(ctx, tx, Entry{Action: "user.totp_disable", Target: userTarget(userID)})
	})
}
