// Package unit keeps the force's hierarchy: force → division → sub-division
// → station, with traffic units alongside, each with its jurisdiction
// polygon. Units come from the embedded jurisdiction pack or from
// `kaval units import`; cases are routed to them by name.
package unit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Unit is one node of the hierarchy.
type Unit struct {
	ID         int64           `json:"id"`
	Code       string          `json:"code"`
	Kind       string          `json:"kind"`
	Name       string          `json:"name"`
	NameKn     string          `json:"name_kn,omitempty"`
	ParentID   int64           `json:"parent_id,omitempty"`
	ParentCode string          `json:"parent_code,omitempty"`
	Phone      string          `json:"phone,omitempty"`
	Email      string          `json:"email,omitempty"`
	Lat        float64         `json:"lat,omitempty"`
	Lon        float64         `json:"lon,omitempty"`
	Geometry   json.RawMessage `json:"geometry,omitempty"`
}

// Kinds of unit.
var Kinds = []string{"force", "division", "subdivision", "station", "traffic_division", "traffic_subdivision", "traffic_station"}

func validKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Store reads and writes units.
type Store struct{ db *store.DB }

func NewStore(db *store.DB) *Store { return &Store{db: db} }

// Upsert inserts or updates units by code, parents first, in one
// transaction: a bad unit leaves the hierarchy as it was.
func (s *Store) Upsert(ctx context.Context, units []Unit) (int, error) {
	byCode := map[string]Unit{}
	for _, u := range units {
		if u.Code == "" || u.Name == "" {
			return 0, fmt.Errorf("unit: code and name are required (got code %q, name %q)", u.Code, u.Name)
		}
		if !validKind(u.Kind) {
			return 0, fmt.Errorf("unit %s: unknown kind %q", u.Code, u.Kind)
		}
		if len(u.Geometry) > 0 && !json.Valid(u.Geometry) {
			return 0, fmt.Errorf("unit %s: geometry is not valid JSON", u.Code)
		}
		byCode[u.Code] = u
	}
	// Order so that every parent precedes its children.
	var order []Unit
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(code string) error
	visit = func(code string) error {
		switch state[code] {
		case 1:
			return fmt.Errorf("unit: cycle in hierarchy at %s", code)
		case 2:
			return nil
		}
		u, ok := byCode[code]
		if !ok {
			return nil // parent already stored (or checked below)
		}
		state[code] = 1
		if u.ParentCode != "" {
			if err := visit(u.ParentCode); err != nil {
				return err
			}
		}
		state[code] = 2
		order = append(order, u)
		return nil
	}
	for _, u := range units {
		if err := visit(u.Code); err != nil {
			return 0, err
		}
	}
	now := store.Millis(time.Now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, u := range order {
			var parent sql.NullInt64
			if u.ParentCode != "" {
				if err := tx.QueryRowContext(ctx, "SELECT id FROM units WHERE code = $1", u.ParentCode).Scan(&parent); err != nil {
					if errors.Is(err, sql.ErrNoRows) {
						return fmt.Errorf("unit %s: parent %q does not exist", u.Code, u.ParentCode)
					}
					return err
				}
			}
			var lat, lon sql.NullFloat64
			if u.Lat != 0 || u.Lon != 0 {
				lat, lon = sql.NullFloat64{Float64: u.Lat, Valid: true}, sql.NullFloat64{Float64: u.Lon, Valid: true}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO units (code, kind, name, name_kn, parent_id, phone, email, lat, lon, geometry, created_at)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
				ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name, name_kn = excluded.name_kn,
				parent_id = excluded.parent_id, phone = excluded.phone, email = excluded.email, lat = excluded.lat,
				lon = excluded.lon, geometry = excluded.geometry`,
				u.Code, u.Kind, u.Name, u.NameKn, parent, u.Phone, u.Email, lat, lon, string(u.Geometry), now)
			if err != nil {
				return fmt.Errorf("unit: unable to store %s: %w", u.Code, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(order), nil
}

const cols = "u.id, u.code, u.kind, u.name, u.name_kn, COALESCE(u.parent_id, 0), COALESCE(p.code, ''), u.phone, u.email, COALESCE(u.lat, 0), COALESCE(u.lon, 0)"

func scan(rows interface{ Scan(...any) error }, u *Unit, geom bool) error {
	dst := []any{&u.ID, &u.Code, &u.Kind, &u.Name, &u.NameKn, &u.ParentID, &u.ParentCode, &u.Phone, &u.Email, &u.Lat, &u.Lon}
	var g string
	if geom {
		dst = append(dst, &g)
	}
	if err := rows.Scan(dst...); err != nil {
		return err
	}
	if g != "" {
		u.Geometry = json.RawMessage(g)
	}
	return nil
}

// List returns all units without geometry, ordered by kind and name.
func (s *Store) List(ctx context.Context, kind string) ([]Unit, error) {
	q := "SELECT " + cols + " FROM units u LEFT JOIN units p ON p.id = u.parent_id"
	var args []any
	if kind != "" {
		q += " WHERE u.kind = $1"
		args = append(args, kind)
	}
	rows, err := s.db.Read.QueryContext(ctx, q+" ORDER BY u.kind, u.name", args...)
	if err != nil {
		return nil, fmt.Errorf("unit: unable to list: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		var u Unit
		if err := scan(rows, &u, false); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Get returns one unit with its geometry.
func (s *Store) Get(ctx context.Context, id int64) (Unit, error) {
	var u Unit
	err := scan(s.db.Read.QueryRowContext(ctx, "SELECT "+cols+", u.geometry FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.id = $1", id), &u, true)
	if errors.Is(err, sql.ErrNoRows) {
		return u, store.ErrNotFound
	}
	return u, err
}

// Names maps unit names to ids, for routing by the analysis's station name.
func (s *Store) Names(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id, name FROM units")
	if err != nil {
		return nil, fmt.Errorf("unit: unable to list names: %w", err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		m[name] = id
	}
	return m, rows.Err()
}

// Stations lists the units a case is routed to (stations and traffic
// stations) with their names only, by kind and name: the desk's station
// selects. Every unit's other columns, its parent and its boundary were
// read for them before (~1 ms of a case page).
func (s *Store) Stations(ctx context.Context) ([]Unit, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT id, kind, name, name_kn FROM units WHERE kind IN ('station', 'traffic_station') ORDER BY kind, name")
	if err != nil {
		return nil, fmt.Errorf("unit: unable to list stations: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.ID, &u.Kind, &u.Name, &u.NameKn); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Count returns how many units exist.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, "SELECT count(*) FROM units").Scan(&n)
	return n, err
}

// SetContact changes how a unit is reached (phone, e-mail), as the
// desk's reply templates quote it ({station_phone}). Names and the
// hierarchy come from the jurisdiction pack and are not edited here: the
// desk routes cases by them. The change is audited in the same
// transaction.
func (s *Store) SetContact(ctx context.Context, id int64, phone, email string) error {
	phone, email = strings.TrimSpace(phone), strings.TrimSpace(email)
	if len(phone) > 40 || strings.IndexFunc(phone, func(r rune) bool { return !(r >= '0' && r <= '9' || strings.ContainsRune("+-() /,", r)) }) >= 0 {
		return fmt.Errorf("%w: phone: digits, spaces and + - ( ) / , only, at most 40", ErrInvalid)
	}
	if len(email) > 200 || email != "" && (!strings.Contains(email, "@") || strings.ContainsAny(email, " <>\"\r\n")) {
		return fmt.Errorf("%w: email: not an e-mail address", ErrInvalid)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var oldPhone, oldEmail string
		if err := tx.QueryRowContext(ctx, `SELECT phone, email FROM units WHERE id = $1`, id).Scan(&oldPhone, &oldEmail); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return store.ErrNotFound
			}
			return fmt.Errorf("unit: unable to read unit: %w", err)
		}
		if oldPhone == phone && oldEmail == email {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE units SET phone = $1, email = $2 WHERE id = $3`, phone, email, id); err != nil {
			return fmt.Errorf("unit: unable to update contact: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "unit.contact", Target: fmt.Sprintf("unit:%d", id),
			Details: map[string]any{"phone": map[string]string{"from": oldPhone, "to": phone}, "email": map[string]string{"from": oldEmail, "to": email}}})
	})
}

// ErrInvalid is bad input for a unit change.
var ErrInvalid = errors.New("unit: invalid")
