package publish

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Service is publishing's one entry point; web and ui call it.
type Service struct {
	db  *store.DB
	ob  *outbox.Outbox
	now func() time.Time
	log *slog.Logger
	// base is the desk's public URL: images are handed to platforms as
	// base + /media/{sha256}.{ext}, which they download.
	base string
}

// Options configure a Service.
type Options struct {
	BaseURL string // the desk's public URL (KAVAL_BASE_URL)
	Log     *slog.Logger
	Now     func() time.Time // tests
}

// New returns the service over db, releasing approved versions into ob.
func New(db *store.DB, ob *outbox.Outbox, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Service{db: db, ob: ob, now: opt.Now, log: opt.Log, base: strings.TrimRight(opt.BaseURL, "/")}
}

// DB is the service's database (the desk's pages read user names).
func (s *Service) DB() *store.DB { return s.db }

func target(id int64) string { return "publication:" + strconv.FormatInt(id, 10) }

// event appends a line to the publication's history and the audit log,
// in the caller's transaction, so the change and both records commit or
// roll back together.
func (s *Service) event(ctx context.Context, tx *sql.Tx, p *auth.Principal, id int64, action string, round int, note string, details map[string]any) error {
	var uid any
	if p != nil && p.UserID != 0 {
		uid = p.UserID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO publication_events (publication_id, at, user_id, action, round, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, store.Millis(s.now()), uid, action, round, note); err != nil {
		return err
	}
	if details == nil {
		details = map[string]any{}
	}
	if note != "" {
		details["note"] = note
	}
	e := auth.Entry{Action: "publication." + action, Target: target(id), Details: details}
	if p != nil && auth.FromContext(ctx) == nil {
		e.ActorID, e.Actor = p.UserID, p.Username
	}
	return auth.AuditTx(ctx, tx, e)
}

func isUnique(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// cleanNote trims and bounds a comment or reason.
func cleanNote(s string) string {
	return clip(strings.TrimSpace(textnorm.Clean(s)), MaxNote)
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
