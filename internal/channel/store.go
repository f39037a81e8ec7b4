// Package channel keeps the connected accounts and listening sources
// (channels) with their secrets sealed at rest, and runs a live connector
// for each active one (Manager).
//
// Secrets go in through Spec and Patch and come out only through
// Store.Open, as the connector.Channel handed to a connector factory. The
// Channel type that every other method returns lists which secrets are set,
// never their values, so it can be shown and serialised as it is.
package channel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/secretbox"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Status is a channel's state.
type Status string

const (
	Active  Status = "active" // running (polling/streaming/receiving webhooks) and sending
	Paused  Status = "paused" // stopped by an admin; webhooks answer 503 so platforms redeliver later
	Errored Status = "error"  // stopped by the system (bad config, expired credentials) until an admin resumes it
)

// Errors callers can test for.
var (
	ErrNotFound = store.ErrNotFound
	ErrConflict = errors.New("channel: a channel with this platform and name exists")
	ErrInvalid  = errors.New("channel: invalid")
)

// Limits on what an admin may store, so a bad request cannot bloat every
// connector start.
const (
	MaxEntries    = 64
	MaxKeyLen     = 64
	MaxValueLen   = 16 << 10
	MaxNameLen    = 100
	maxHealthJSON = 64 << 10
)

var keyRE = regexp.MustCompile(`^[a-zA-Z0-9_.\-]+$`)

// Channel is a configured channel as shown to admins: never any secret.
type Channel struct {
	ID           int64             `json:"id"`
	Platform     string            `json:"platform"`
	Name         string            `json:"name"`
	Config       map[string]string `json:"config"`
	SecretKeys   []string          `json:"secret_keys"` // names of the secrets that are set
	Status       Status            `json:"status"`
	StatusReason string            `json:"status_reason,omitempty"`
	Health       json.RawMessage   `json:"health"` // last Health saved by the replica running it
	Version      int64             `json:"version"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// Spec is a new channel.
type Spec struct {
	Platform string
	Name     string
	Config   map[string]string
	Secrets  Secrets
	Paused   bool // create paused (e.g. to test the connection first)
}

// Patch changes a channel; nil fields are left alone.
type Patch struct {
	Name          *string
	Config        map[string]string // replaces the whole config when non-nil
	SetSecrets    Secrets           // set or replace these secrets
	RemoveSecrets []string          // remove these secrets
}

// Secrets are secret settings by name. Printing, logging or marshalling
// them shows only the names.
type Secrets map[string]string

func (s Secrets) names() []string { return slices.Sorted(maps.Keys(s)) }

func (s Secrets) String() string { return "secrets" + fmt.Sprint(s.names()) }

// GoString keeps %#v from printing the values.
func (s Secrets) GoString() string { return s.String() }

// Format keeps every verb (%v, %+v, %s, %q) from printing the values.
func (s Secrets) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// MarshalJSON shows the names only.
func (s Secrets) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]string{"set": s.names()})
}

// LogValue shows the names only.
func (s Secrets) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Store is the channels table.
type Store struct {
	db  *store.DB
	box *secretbox.Box
	now func() time.Time
}

// NewStore returns a Store. box may be nil when no master key is
// configured: channels without secrets still work, and anything that
// needs a secret fails with secretbox.ErrNoKey.
func NewStore(db *store.DB, box *secretbox.Box) *Store {
	return &Store{db: db, box: box, now: time.Now}
}

// WithClock returns a copy using now (tests).
func (s *Store) WithClock(now func() time.Time) *Store { c := *s; c.now = now; return &c }

func aad(id int64) []byte { return fmt.Appendf(nil, "kaval/channel/%d", id) }

func validMap(what string, m map[string]string) error {
	if len(m) > MaxEntries {
		return fmt.Errorf("%w: %d %s entries (max %d)", ErrInvalid, len(m), what, MaxEntries)
	}
	for k, v := range m {
		if len(k) > MaxKeyLen || !keyRE.MatchString(k) {
			return fmt.Errorf("%w: %s key %q (letters, digits, _ . - up to %d)", ErrInvalid, what, k, MaxKeyLen)
		}
		if len(v) > MaxValueLen || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return fmt.Errorf("%w: %s value of %q is too long or not text", ErrInvalid, what, k)
		}
	}
	return nil
}

func cleanName(name string) (string, error) {
	name = strings.TrimSpace(textnorm.Clean(name))
	if name == "" || utf8.RuneCountInString(name) > MaxNameLen {
		return "", fmt.Errorf("%w: name must be 1–%d characters", ErrInvalid, MaxNameLen)
	}
	return name, nil
}

func isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Create stores a new channel, sealing its secrets.
func (s *Store) Create(ctx context.Context, spec Spec) (Channel, error) {
	if !slices.Contains(connector.Platforms(), spec.Platform) {
		return Channel{}, fmt.Errorf("%w: unknown platform %q (have %s)", ErrInvalid, spec.Platform, strings.Join(connector.Platforms(), ", "))
	}
	name, err := cleanName(spec.Name)
	if err != nil {
		return Channel{}, err
	}
	if err := validMap("config", spec.Config); err != nil {
		return Channel{}, err
	}
	if err := validMap("secret", spec.Secrets); err != nil {
		return Channel{}, err
	}
	if len(spec.Secrets) > 0 && s.box == nil {
		return Channel{}, fmt.Errorf("channel: unable to store secrets: %w", secretbox.ErrNoKey)
	}
	cfg := jsonOf(nonNil(spec.Config))
	status := Active
	if spec.Paused {
		status = Paused
	}
	now := store.Millis(s.now())
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO channels (platform, name, config, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
			spec.Platform, name, cfg, string(status), now).Scan(&id)
		if isUnique(err) {
			return ErrConflict
		}
		if err != nil {
			return fmt.Errorf("channel: unable to create: %w", err)
		}
		return s.writeSecrets(ctx, tx, id, spec.Secrets)
	})
	if err != nil {
		return Channel{}, err
	}
	return s.Get(ctx, id)
}

// writeSecrets seals secrets for row id (bound to it) and stores them.
func (s *Store) writeSecrets(ctx context.Context, tx *sql.Tx, id int64, sec Secrets) error {
	sealed := ""
	if len(sec) > 0 {
		if s.box == nil {
			return fmt.Errorf("channel: unable to store secrets: %w", secretbox.ErrNoKey)
		}
		var err error
		sealed, err = s.box.Seal([]byte(jsonOf(map[string]string(sec))), aad(id))
		if err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE channels SET secrets = $2, secret_keys = $3 WHERE id = $1`,
		id, sealed, jsonOf(nonNilSlice(sec.names())))
	if err != nil {
		return fmt.Errorf("channel: unable to store secrets: %w", err)
	}
	return nil
}

const columns = `id, platform, name, config, secret_keys, status, status_reason, health, version, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Channel, error) {
	var c Channel
	var cfg, keys, status, health string
	var created, updated int64
	err := row.Scan(&c.ID, &c.Platform, &c.Name, &cfg, &keys, &status, &c.StatusReason, &health, &c.Version, &created, &updated)
	if err != nil {
		return c, err
	}
	c.Status = Status(status)
	c.CreatedAt, c.UpdatedAt = store.Time(created), store.Time(updated)
	if err := json.Unmarshal([]byte(cfg), &c.Config); err != nil {
		return c, fmt.Errorf("channel %d: bad config JSON: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(keys), &c.SecretKeys); err != nil {
		return c, fmt.Errorf("channel %d: bad secret_keys JSON: %w", c.ID, err)
	}
	c.Config, c.SecretKeys = nonNil(c.Config), nonNilSlice(c.SecretKeys)
	if health == "" {
		health = "{}"
	}
	c.Health = json.RawMessage(health)
	return c, nil
}

// Get returns one channel (without secrets).
func (s *Store) Get(ctx context.Context, id int64) (Channel, error) {
	return s.get(ctx, s.db.Read, id)
}

func (s *Store) get(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (Channel, error) {
	c, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM channels WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("channel %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("channel: unable to read %d: %w", id, err)
	}
	return c, nil
}

// List returns every channel (without secrets), by id.
func (s *Store) List(ctx context.Context) ([]Channel, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT `+columns+` FROM channels ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("channel: unable to list: %w", err)
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("channel: unable to list: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("channel: unable to list: %w", err)
	}
	return out, nil
}

// Open returns the channel with its secrets decrypted, for a connector.
func (s *Store) Open(ctx context.Context, id int64) (connector.Channel, error) {
	var platform, name, cfg, sealed string
	err := s.db.Read.QueryRowContext(ctx, `SELECT platform, name, config, secrets FROM channels WHERE id = $1`, id).
		Scan(&platform, &name, &cfg, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return connector.Channel{}, fmt.Errorf("channel %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return connector.Channel{}, fmt.Errorf("channel: unable to read %d: %w", id, err)
	}
	ch := connector.Channel{ID: id, Platform: platform, Name: name, Secrets: map[string]string{}}
	if err := json.Unmarshal([]byte(cfg), &ch.Config); err != nil {
		return connector.Channel{}, fmt.Errorf("channel %d: bad config JSON: %w", id, err)
	}
	ch.Config = nonNil(ch.Config)
	if sealed != "" {
		sec, err := s.openSecrets(id, sealed)
		if err != nil {
			return connector.Channel{}, err
		}
		ch.Secrets = sec
	}
	return ch, nil
}

func (s *Store) openSecrets(id int64, sealed string) (map[string]string, error) {
	if s.box == nil {
		return nil, fmt.Errorf("channel %d: unable to decrypt secrets: %w", id, secretbox.ErrNoKey)
	}
	pt, err := s.box.Open(sealed, aad(id))
	if err != nil {
		return nil, fmt.Errorf("channel %d: unable to decrypt secrets: %w", id, err)
	}
	var m map[string]string
	if err := json.Unmarshal(pt, &m); err != nil {
		return nil, fmt.Errorf("channel %d: decrypted secrets are not a JSON object", id)
	}
	return nonNil(m), nil
}

// Update applies p and bumps the version, so managers restart the
// connector with the new settings.
func (s *Store) Update(ctx context.Context, id int64, p Patch) (Channel, error) {
	if p.Config != nil {
		if err := validMap("config", p.Config); err != nil {
			return Channel{}, err
		}
	}
	if err := validMap("secret", p.SetSecrets); err != nil {
		return Channel{}, err
	}
	var name string
	if p.Name != nil {
		var err error
		if name, err = cleanName(*p.Name); err != nil {
			return Channel{}, err
		}
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Name == nil {
			name = cur.Name
		}
		cfg := cur.Config
		if p.Config != nil {
			cfg = p.Config
		}
		_, err = tx.ExecContext(ctx, `UPDATE channels SET name = $2, config = $3, version = version + 1, updated_at = $4 WHERE id = $1`,
			id, name, jsonOf(nonNil(cfg)), store.Millis(s.now()))
		if isUnique(err) {
			return ErrConflict
		}
		if err != nil {
			return fmt.Errorf("channel: unable to update %d: %w", id, err)
		}
		if len(p.SetSecrets) == 0 && len(p.RemoveSecrets) == 0 {
			return nil
		}
		var sealed string
		if err := tx.QueryRowContext(ctx, `SELECT secrets FROM channels WHERE id = $1`, id).Scan(&sealed); err != nil {
			return fmt.Errorf("channel: unable to update %d: %w", id, err)
		}
		sec := map[string]string{}
		if sealed != "" {
			if sec, err = s.openSecrets(id, sealed); err != nil {
				return err
			}
		}
		maps.Copy(sec, p.SetSecrets)
		for _, k := range p.RemoveSecrets {
			delete(sec, k)
		}
		if len(sec) > MaxEntries {
			return fmt.Errorf("%w: too many secrets", ErrInvalid)
		}
		return s.writeSecrets(ctx, tx, id, sec)
	})
	if err != nil {
		return Channel{}, err
	}
	return s.Get(ctx, id)
}

// RotateSecrets stores secrets a connector rotated itself (a new OAuth
// refresh token) into channel id, keeping the others. Unlike Update it
// does not bump the version: the running connector already holds the new
// values and must not be restarted for them.
func (s *Store) RotateSecrets(ctx context.Context, id int64, set map[string]string) error {
	if err := validMap("secret", set); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var sealed string
		err := tx.QueryRowContext(ctx, `SELECT secrets FROM channels WHERE id = $1`, id).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("channel %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("channel: unable to rotate secrets of %d: %w", id, err)
		}
		sec := map[string]string{}
		if sealed != "" {
			if sec, err = s.openSecrets(id, sealed); err != nil {
				return err
			}
		}
		maps.Copy(sec, set)
		if len(sec) > MaxEntries {
			return fmt.Errorf("%w: too many secrets", ErrInvalid)
		}
		return s.writeSecrets(ctx, tx, id, sec)
	})
}

// connectorSecrets is a channel's connector.SecretStore.
type connectorSecrets struct {
	st *Store
	id int64
}

func (c connectorSecrets) LoadSecrets(ctx context.Context) (map[string]string, error) {
	ch, err := c.st.Open(ctx, c.id)
	if err != nil {
		return nil, err
	}
	return ch.Secrets, nil
}

func (c connectorSecrets) SaveSecrets(ctx context.Context, set map[string]string) error {
	return c.st.RotateSecrets(ctx, c.id, set)
}

func (s *Store) setStatus(ctx context.Context, id int64, st Status, reason string) error {
	res, err := s.db.Write.ExecContext(ctx, `UPDATE channels SET status = $2, status_reason = $3, updated_at = $4 WHERE id = $1`,
		id, string(st), reason, store.Millis(s.now()))
	if err != nil {
		return fmt.Errorf("channel: unable to set status of %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("channel %d: %w", id, ErrNotFound)
	}
	return nil
}

// Pause stops a channel until Resume; reason is shown to admins.
func (s *Store) Pause(ctx context.Context, id int64, reason string) error {
	return s.setStatus(ctx, id, Paused, textnorm.Clean(reason))
}

// Resume makes a paused or errored channel active again.
func (s *Store) Resume(ctx context.Context, id int64) error { return s.setStatus(ctx, id, Active, "") }

// MarkError stops a channel the system cannot run (bad config, expired
// credentials) until an admin resumes it.
func (s *Store) MarkError(ctx context.Context, id int64, reason string) error {
	return s.setStatus(ctx, id, Errored, reason)
}

// Delete removes a channel and its secrets. Outbox rows keep its id.
func (s *Store) Delete(ctx context.Context, id int64) error {
	res, err := s.db.Write.ExecContext(ctx, `DELETE FROM channels WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("channel: unable to delete %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("channel %d: %w", id, ErrNotFound)
	}
	s.db.Write.ExecContext(ctx, `DELETE FROM leases WHERE name = $1`, leaseName(id))
	return nil
}

// SaveHealth records the last health seen for a channel (any JSON value).
func (s *Store) SaveHealth(ctx context.Context, id int64, h any) error {
	b, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("channel: unable to encode health: %w", err)
	}
	if len(b) > maxHealthJSON {
		return fmt.Errorf("channel: health of %d is %d bytes", id, len(b))
	}
	if _, err := s.db.Write.ExecContext(ctx, `UPDATE channels SET health = $2 WHERE id = $1`, id, string(b)); err != nil {
		return fmt.Errorf("channel: unable to save health of %d: %w", id, err)
	}
	return nil
}

// CheckKey verifies at start-up that every stored secret opens with the
// loaded keys: a missing, wrong or weak key must stop the server rather
// than leave channels half-working. It passes with no key when no channel
// has secrets.
func (s *Store) CheckKey(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT id, secrets FROM channels WHERE secrets <> '' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("channel: unable to check secrets: %w", err)
	}
	defer rows.Close()
	var errs []error
	for rows.Next() {
		var id int64
		var sealed string
		if err := rows.Scan(&id, &sealed); err != nil {
			return fmt.Errorf("channel: unable to check secrets: %w", err)
		}
		if _, err := s.openSecrets(id, sealed); err != nil {
			errs = append(errs, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("channel: unable to check secrets: %w", err)
	}
	return errors.Join(errs...)
}

// Rekey re-seals every channel's secrets that are not under the primary key
// (after a rotation, with the old key in KAVAL_MASTER_KEY_OLD). It returns
// how many channels were re-sealed.
func (s *Store) Rekey(ctx context.Context) (int, error) {
	if s.box == nil {
		return 0, secretbox.ErrNoKey
	}
	n := 0
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, secrets FROM channels WHERE secrets <> '' ORDER BY id`)
		if err != nil {
			return err
		}
		type row struct {
			id     int64
			sealed string
		}
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.sealed); err != nil {
				rows.Close()
				return err
			}
			if !s.box.Current(r.sealed) {
				todo = append(todo, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			sec, err := s.openSecrets(r.id, r.sealed)
			if err != nil {
				return err
			}
			if err := s.writeSecrets(ctx, tx, r.id, sec); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("channel: unable to rekey: %w", err)
	}
	return n, nil
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return string(b)
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func leaseName(id int64) string { return fmt.Sprintf("channel:%d", id) }
