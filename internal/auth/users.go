package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// User is an account as the API shows it; the password hash and TOTP
// secret never leave this package.
type User struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	UnitID      int64     `json:"unit_id,omitempty"`
	Team        string    `json:"team"`
	MustChange  bool      `json:"must_change"`
	Disabled    bool      `json:"disabled"`
	TOTPEnabled bool      `json:"totp_enabled"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	LastLoginAt time.Time `json:"last_login_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	passwordHash string
	failed       int
	totpSecret   string
}

// Principal returns the principal of a user authenticated by method.
func (u *User) Principal(m Method) *Principal {
	return &Principal{UserID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role, UnitID: u.UnitID,
		Team: u.Team, Perms: PermsOf(u.Role), Method: m, MustChange: u.MustChange}
}

var userColList = []string{"id", "username", "name", "role", "unit_id", "team", "password_hash", "must_change", "disabled",
	"failed_logins", "locked_until", "last_login_at", "totp_secret", "totp_enabled", "created_at", "updated_at"}

var (
	userCols  = strings.Join(userColList, ", ")
	userColsU = "u." + strings.Join(userColList, ", u.") // for joins, table aliased u
)

func scanUser(s scanner) (*User, error) {
	var u User
	var unit, locked, last sql.NullInt64
	var must, dis, totp int
	var created, updated int64
	err := s.Scan(&u.ID, &u.Username, &u.Name, &u.Role, &unit, &u.Team, &u.passwordHash, &must, &dis,
		&u.failed, &locked, &last, &u.totpSecret, &totp, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("auth: unable to scan user: %w", err)
	}
	u.UnitID = unit.Int64
	u.MustChange, u.Disabled, u.TOTPEnabled = must != 0, dis != 0, totp != 0
	u.LockedUntil, u.LastLoginAt = store.NullTime(locked), store.NullTime(last)
	u.CreatedAt, u.UpdatedAt = store.Time(created), store.Time(updated)
	return &u, nil
}

// NewUser is what CreateUser needs. An empty Password makes CreateUser
// generate a one-time password and set must_change.
type NewUser struct {
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Role     Role   `json:"role"`
	UnitID   int64  `json:"unit_id,omitempty"`
	Team     string `json:"team,omitempty"`
	Password string `json:"password,omitempty"`
}

// NormalizeUsername lower-cases and validates a username: 2–64 of
// a-z 0-9 . _ - starting with a letter or digit.
func NormalizeUsername(s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	ok := len(u) >= 2 && len(u) <= 64
	for i := 0; ok && i < len(u); i++ {
		c := u[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !ok {
		return "", &ValidationError{Field: "username", Message: "must be 2–64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"}
	}
	return u, nil
}

func checkText(field, s string, max int) error {
	if len(s) > max || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd }) {
		return &ValidationError{Field: field, Message: fmt.Sprintf("must be at most %d bytes of printable text", max)}
	}
	return nil
}

// checkUnit enforces the unit rules: the unit must exist, and a station
// officer must have one (their whole view is scoped to it).
func checkUnit(ctx context.Context, q querier, role Role, unit int64) error {
	if unit != 0 {
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM units WHERE id = $1`, unit).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return &ValidationError{Field: "unit_id", Message: fmt.Sprintf("no unit with id %d", unit)}
		}
		if err != nil {
			return fmt.Errorf("auth: unable to check unit: %w", err)
		}
	}
	if role == RoleStationOfficer && unit == 0 {
		return &ValidationError{Field: "unit_id", Message: "a station officer needs a unit"}
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// CreateUser adds a user and returns it with the one-time password when
// none was given (shown once; the user must change it at first login).
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (*User, string, error) {
	name, err := NormalizeUsername(nu.Username)
	if err != nil {
		return nil, "", err
	}
	if _, err := ParseRole(string(nu.Role)); err != nil {
		return nil, "", err
	}
	if err := errors.Join(checkText("name", nu.Name, 200), checkText("team", nu.Team, 100)); err != nil {
		return nil, "", err
	}
	oneTime := ""
	must := false
	if nu.Password == "" {
		oneTime, must = GeneratePassword(), true
		nu.Password = oneTime
	} else if err := CheckPassword(nu.Password); err != nil {
		return nil, "", err
	}
	hash, err := s.hasher.Hash(ctx, nu.Password)
	if err != nil {
		return nil, "", err
	}
	now := s.nowMillis()
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := checkUnit(ctx, tx, nu.Role, nu.UnitID); err != nil {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE username = $1`, name).Scan(&one); err == nil {
			return &ConflictError{Message: fmt.Sprintf("username %q is taken", name)}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, name, role, unit_id, team, password_hash, must_change, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			name, nu.Name, string(nu.Role), nullID(nu.UnitID), nu.Team, hash, store.Bool(must), now).Scan(&id); err != nil {
			if isUniqueViolation(err) {
				return &ConflictError{Message: fmt.Sprintf("username %q is taken", name)}
			}
			return fmt.Errorf("auth: unable to create user: %w", err)
		}
		return AuditTx(ctx, tx, Entry{Action: "user.create", Target: userTarget(id),
			Details: map[string]any{"username": name, "role": nu.Role, "unit_id": nu.UnitID, "team": nu.Team, "one_time_password": must}})
	})
	if err != nil {
		return nil, "", err
	}
	u, err := s.GetUser(ctx, id)
	return u, oneTime, err
}

func userTarget(id int64) string { return fmt.Sprintf("user:%d", id) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func isUniqueViolation(err error) bool {
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint") || strings.Contains(m, "SQLSTATE 23505")
}

// GetUser returns one user or store.ErrNotFound.
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	return scanUser(s.db.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
}

// GetUserByUsername returns one user or store.ErrNotFound.
func (s *Service) GetUserByUsername(ctx context.Context, username string) (*User, error) {
	return scanUser(s.db.Read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE username = $1`, strings.ToLower(username)))
}

// ListUsers returns all users ordered by username. A force has hundreds of
// desk users, not millions: no paging needed.
func (s *Service) ListUsers(ctx context.Context) ([]*User, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("auth: unable to list users: %w", err)
	}
	defer rows.Close()
	out := []*User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserPatch changes some fields of a user; nil fields stay as they are.
// UnitID 0 clears the unit.
type UserPatch struct {
	Name     *string `json:"name,omitempty"`
	Role     *Role   `json:"role,omitempty"`
	UnitID   *int64  `json:"unit_id,omitempty"`
	Team     *string `json:"team,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

// UpdateUser applies p. It refuses to demote or disable the last enabled
// administrator, so the force can never lock itself out. Disabling a user
// ends their sessions; their tokens stop resolving at once.
func (s *Service) UpdateUser(ctx context.Context, id int64, p UserPatch) (*User, error) {
	if p.Role != nil {
		if _, err := ParseRole(string(*p.Role)); err != nil {
			return nil, err
		}
	}
	if p.Name != nil {
		if err := checkText("name", *p.Name, 200); err != nil {
			return nil, err
		}
	}
	if p.Team != nil {
		if err := checkText("team", *p.Team, 100); err != nil {
			return nil, err
		}
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
		if err != nil {
			return err
		}
		changes := map[string]any{}
		next := *u
		if p.Name != nil && *p.Name != u.Name {
			next.Name, changes["name"] = *p.Name, *p.Name
		}
		if p.Role != nil && *p.Role != u.Role {
			next.Role, changes["role"] = *p.Role, map[string]Role{"from": u.Role, "to": *p.Role}
		}
		if p.UnitID != nil && *p.UnitID != u.UnitID {
			next.UnitID, changes["unit_id"] = *p.UnitID, map[string]int64{"from": u.UnitID, "to": *p.UnitID}
		}
		if p.Team != nil && *p.Team != u.Team {
			next.Team, changes["team"] = *p.Team, *p.Team
		}
		if p.Disabled != nil && *p.Disabled != u.Disabled {
			next.Disabled, changes["disabled"] = *p.Disabled, *p.Disabled
		}
		if len(changes) == 0 {
			return nil
		}
		if err := checkUnit(ctx, tx, next.Role, next.UnitID); err != nil {
			return err
		}
		if u.Role == RoleAdmin && !u.Disabled && (next.Role != RoleAdmin || next.Disabled) {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1`, id).Scan(&others); err != nil {
				return fmt.Errorf("auth: unable to count admins: %w", err)
			}
			if others == 0 {
				return &ConflictError{Message: "cannot demote or disable the last enabled administrator"}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, unit_id = $3, team = $4, disabled = $5, updated_at = $6 WHERE id = $7`,
			next.Name, string(next.Role), nullID(next.UnitID), next.Team, store.Bool(next.Disabled), s.nowMillis(), id); err != nil {
			return fmt.Errorf("auth: unable to update user: %w", err)
		}
		if next.Disabled || next.Role != u.Role || next.UnitID != u.UnitID {
			// A changed role or unit changes what open sessions may see;
			// make the person log in again rather than trust a stale view.
			if err := revokeUserSessions(ctx, tx, id, s.nowMillis()); err != nil {
				return err
			}
		}
		action := "user.update"
		if p.Disabled != nil && len(changes) == 1 {
			action = map[bool]string{true: "user.disable", false: "user.enable"}[next.Disabled]
		}
		return AuditTx(ctx, tx, Entry{Action: action, Target: userTarget(id), Details: changes})
	})
	if err != nil {
		return nil, err
	}
	return s.GetUser(ctx, id)
}

// DisableUser is UpdateUser with Disabled=true.
func (s *Service) DisableUser(ctx context.Context, id int64) (*User, error) {
	t := true
	return s.UpdateUser(ctx, id, UserPatch{Disabled: &t})
}

// ResetPassword sets a new one-time password, clears any lockout, ends the
// user's sessions and returns the password (shown once).
func (s *Service) ResetPassword(ctx context.Context, id int64) (string, error) {
	pw := GeneratePassword()
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return "", err
	}
	now := s.nowMillis()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change = 1, failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3`, hash, now, id)
		if err != nil {
			return fmt.Errorf("auth: unable to reset password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		if err := revokeUserSessions(ctx, tx, id, now); err != nil {
			return err
		}
		return AuditTx(ctx, tx, Entry{Action: "user.reset_password", Target: userTarget(id)})
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// ChangePassword sets a user's own password after checking the current one,
// and clears must_change.
func (s *Service) ChangePassword(ctx context.Context, id int64, current, next string) error {
	if err := CheckPassword(next); err != nil {
		return err
	}
	if current == next {
		return &ValidationError{Field: "new_password", Message: "must differ from the current password"}
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, current, u.passwordHash)
	if err != nil {
		return err
	}
	if !ok {
		return &ValidationError{Field: "current_password", Message: "is wrong"}
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change = 0, updated_at = $2 WHERE id = $3`, hash, s.nowMillis(), id); err != nil {
			return fmt.Errorf("auth: unable to change password: %w", err)
		}
		return AuditTx(ctx, tx, Entry{Action: "user.change_password", Target: userTarget(id)})
	})
}

// Authenticate checks a username and password (and a TOTP code when the
// user has 2FA). Failures are counted in the database; MaxFailedLogins in a
// row lock the account for LockoutFor, across all replicas. While locked,
// even the right password is refused and not checked.
func (s *Service) Authenticate(ctx context.Context, username, password, code string) (*User, error) {
	u, err := s.GetUserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.Disabled {
		s.hasher.burn(ctx, password) // same cost as a wrong password
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !u.LockedUntil.IsZero() && now.Before(u.LockedUntil) {
		return nil, ErrLocked
	}
	ok, err := s.hasher.Verify(ctx, password, u.passwordHash)
	if err != nil {
		return nil, err
	}
	fail := ErrInvalidCredentials
	if ok && u.TOTPEnabled && !s.validTOTP(u.ID, u.totpSecret, code, now) {
		ok, fail = false, ErrTOTPRequired
	}
	if !ok {
		if err := s.recordFailure(ctx, u.ID, now); err != nil {
			return nil, err
		}
		return nil, fail
	}
	if _, err := s.db.Write.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2`,
		store.Millis(now), u.ID); err != nil {
		return nil, fmt.Errorf("auth: unable to record login: %w", err)
	}
	u.failed, u.LockedUntil, u.LastLoginAt = 0, time.Time{}, now
	return u, nil
}

func (s *Service) recordFailure(ctx context.Context, id int64, now time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins`, id).Scan(&n); err != nil {
			return fmt.Errorf("auth: unable to count failed login: %w", err)
		}
		if n < s.cfg.MaxFailedLogins {
			return nil
		}
		until := now.Add(s.cfg.LockoutFor)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2`, store.Millis(until), id); err != nil {
			return fmt.Errorf("auth: unable to lock user: %w", err)
		}
		return AuditTx(ctx, tx, Entry{Action: "user.locked", Target: userTarget(id),
			Details: map[string]any{"failed_logins": n, "until": until.UTC().Format(time.RFC3339)}})
	})
}

// UnitIDByCode resolves a unit code (e.g. "blr/ps/adugodi") to its id.
func (s *Service) UnitIDByCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.db.Read.QueryRowContext(ctx, `SELECT id FROM units WHERE code = $1`, code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &ValidationError{Field: "unit", Message: fmt.Sprintf("no unit with code %q", code)}
	}
	if err != nil {
		return 0, fmt.Errorf("auth: unable to look up unit: %w", err)
	}
	return id, nil
}
