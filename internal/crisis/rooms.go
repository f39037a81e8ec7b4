package crisis

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Room is a crisis room.
type Room struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Severity  string    `json:"severity"`
	State     string    `json:"state"`
	AlertID   int64     `json:"alert_id,omitempty"`
	Area      string    `json:"area,omitempty"`
	Stations  []string  `json:"stations"` // empty: the whole city
	Since     time.Time `json:"since"`    // posts from here on are gathered
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ClosedBy  string    `json:"closed_by,omitempty"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	Summary   string    `json:"summary,omitempty"`
	Surge     Surge     `json:"surge"`
}

// Surge is a room's surge mode.
type Surge struct {
	On         bool      `json:"on"`
	TemplateID int64     `json:"template_id,omitempty"` // the bulk acknowledgement
	Link       string    `json:"link,omitempty"`        // the pinned advisory link
	Since      time.Time `json:"since,omitzero"`
	By         string    `json:"by,omitempty"`
}

// OpenRequest is what opening a room by hand takes.
type OpenRequest struct {
	Title    string   `json:"title"`
	Severity string   `json:"severity"` // info, warning or critical
	Area     string   `json:"area,omitempty"`
	Stations []string `json:"stations,omitempty"` // police stations as the analysis names them (posts.station)
}

func validSeverity(s string) bool {
	return s == alert.Info || s == alert.Warning || s == alert.Critical
}

func (r *OpenRequest) check() error {
	var err error
	if r.Title, err = cleanLine("title", r.Title, MaxTitle, true); err != nil {
		return err
	}
	if r.Area, err = cleanLine("area", r.Area, MaxArea, false); err != nil {
		return err
	}
	if !validSeverity(r.Severity) {
		return &Invalid{"severity", "is info, warning or critical"}
	}
	var st []string
	for _, s := range r.Stations {
		s, err := cleanLine("stations", s, 120, false)
		if err != nil {
			return err
		}
		if s != "" && !slices.Contains(st, s) {
			st = append(st, s)
		}
	}
	if len(st) > MaxStations {
		return &Invalid{"stations", fmt.Sprintf("at most %d stations", MaxStations)}
	}
	r.Stations = st
	return nil
}

// Open opens a room by hand.
func (s *Service) Open(ctx context.Context, p *auth.Principal, req OpenRequest) (Room, error) {
	if err := needUser(p); err != nil {
		return Room{}, err
	}
	if err := req.check(); err != nil {
		return Room{}, err
	}
	now := s.opt.Now()
	return s.create(ctx, p, req, 0, now.Add(-s.opt.Window))
}

// OpenFromAlert opens a room for alert id, titled and placed after it. An
// alert already has at most one open room: opening it again returns that
// room (created false).
func (s *Service) OpenFromAlert(ctx context.Context, p *auth.Principal, alertID int64) (Room, bool, error) {
	if err := needUser(p); err != nil {
		return Room{}, false, err
	}
	a, err := s.alerts.Get(ctx, alertID)
	if err != nil {
		return Room{}, false, err
	}
	if id, err := s.roomOfAlert(ctx, alertID); err != nil || id != 0 {
		if err != nil {
			return Room{}, false, err
		}
		r, err := s.Get(ctx, id)
		return r, false, err
	}
	req := OpenRequest{Title: alertTitle(a), Severity: a.Severity, Area: a.Subject}
	if st := stationOf(a); st != "" {
		req.Stations = []string{st}
	}
	if err := req.check(); err != nil {
		return Room{}, false, err
	}
	r, err := s.create(ctx, p, req, a.ID, a.FirstAt.Add(-s.opt.Window))
	if errors.Is(err, errDuplicateAlert) {
		id, err := s.roomOfAlert(ctx, alertID)
		if err != nil {
			return Room{}, false, err
		}
		r, err := s.Get(ctx, id)
		return r, false, err
	}
	return r, err == nil, err
}

var errDuplicateAlert = errors.New("crisis: the alert already has an open room")

// alertTitle is a room's title from its alert: what the alert says in
// English (the detectors' words, a rule's title), else its subject.
func alertTitle(a alert.Alert) string {
	t := alert.Texts(alert.Signal{Kind: a.Kind, Key: a.Key, Subject: a.Subject, Severity: a.Severity, Detail: a.Detail})["en"].Subject
	if t == "" {
		t = a.Subject
	}
	if len(t) > MaxTitle {
		t = t[:MaxTitle]
		for !utf8.ValidString(t) {
			t = t[:len(t)-1]
		}
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, t)
}

// stationOf is the police station an alert is about: the detector's
// (a rumour cluster's centre), or the one its key names
// ("station:Adugodi%20PS"); "" when it names none.
func stationOf(a alert.Alert) string {
	if a.Detail.Station != "" {
		return a.Detail.Station
	}
	for _, part := range strings.Split(a.Key, "|") {
		if v, ok := strings.CutPrefix(part, "station:"); ok {
			if u, err := url.PathUnescape(v); err == nil {
				return u
			}
			return v
		}
	}
	return ""
}

func (s *Service) roomOfAlert(ctx context.Context, alertID int64) (int64, error) {
	var id int64
	err := s.db.Read.QueryRowContext(ctx, "SELECT id FROM crisis_rooms WHERE alert_id = $1 AND state = 'open'", alertID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (s *Service) create(ctx context.Context, p *auth.Principal, req OpenRequest, alertID int64, since time.Time) (Room, error) {
	stations, _ := json.Marshal(req.Stations)
	if req.Stations == nil {
		stations = []byte("[]")
	}
	now := store.Millis(s.opt.Now())
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if alertID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM crisis_rooms WHERE alert_id = $1 AND state = 'open'", alertID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errDuplicateAlert
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO crisis_rooms (title, severity, alert_id, area, stations, since, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			req.Title, req.Severity, nullID(alertID), req.Area, string(stations), store.Millis(since), p.UserID, now).Scan(&id); err != nil {
			if alertID != 0 && strings.Contains(strings.ToLower(err.Error()), "unique") {
				return errDuplicateAlert
			}
			return fmt.Errorf("crisis: unable to open the room: %w", err)
		}
		d := map[string]any{"title": req.Title, "severity": req.Severity, "area": req.Area, "stations": req.Stations}
		if alertID != 0 {
			d["alert_id"] = alertID
		}
		return s.event(ctx, tx, p, id, "open", d)
	})
	if err != nil {
		return Room{}, err
	}
	// Gather at once so the room opens with its posts.
	if _, err := s.Gather(ctx, id); err != nil {
		s.opt.Log.Warn("crisis: first gathering failed", "room", id, "err", err)
	}
	s.changed(ctx, id)
	return s.Get(ctx, id)
}

const roomCols = `r.id, r.title, r.severity, r.state, COALESCE(r.alert_id, 0), r.area, r.stations, r.since,
	COALESCE(cu.username, ''), r.created_at, r.updated_at, COALESCE(xu.username, ''), COALESCE(r.closed_at, 0), r.summary,
	r.surge, COALESCE(r.surge_template_id, 0), r.surge_link, COALESCE(r.surge_at, 0), COALESCE(su.username, '')
	FROM crisis_rooms r LEFT JOIN users cu ON cu.id = r.created_by LEFT JOIN users xu ON xu.id = r.closed_by
	LEFT JOIN users su ON su.id = r.surge_by`

func scanRoom(row interface{ Scan(...any) error }) (Room, error) {
	var r Room
	var stations string
	var since, created, updated, closed, surgeAt int64
	var surge int
	if err := row.Scan(&r.ID, &r.Title, &r.Severity, &r.State, &r.AlertID, &r.Area, &stations, &since, &r.CreatedBy, &created, &updated,
		&r.ClosedBy, &closed, &r.Summary, &surge, &r.Surge.TemplateID, &r.Surge.Link, &surgeAt, &r.Surge.By); err != nil {
		return r, err
	}
	r.Stations = []string{}
	_ = json.Unmarshal([]byte(stations), &r.Stations)
	r.Since, r.CreatedAt, r.UpdatedAt = store.Time(since), store.Time(created), store.Time(updated)
	if closed != 0 {
		r.ClosedAt = store.Time(closed)
	}
	r.Surge.On = surge != 0
	if surgeAt != 0 {
		r.Surge.Since = store.Time(surgeAt)
	}
	return r, nil
}

// Get returns one room.
func (s *Service) Get(ctx context.Context, id int64) (Room, error) {
	r, err := scanRoom(s.db.Read.QueryRowContext(ctx, "SELECT "+roomCols+" WHERE r.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("crisis: unable to read the room: %w", err)
	}
	return r, nil
}

// List returns rooms in state ("" both), newest first, at most limit.
func (s *Service) List(ctx context.Context, state string, limit int) ([]Room, error) {
	if state != "" && state != StateOpen && state != StateClosed {
		return nil, &Invalid{"state", "is open or closed"}
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q, args := "SELECT "+roomCols, []any{}
	if state != "" {
		q += " WHERE r.state = $1"
		args = append(args, state)
	}
	args = append(args, limit)
	rows, err := s.db.Read.QueryContext(ctx, q+fmt.Sprintf(" ORDER BY r.id DESC LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("crisis: unable to list rooms: %w", err)
	}
	defer rows.Close()
	out := []Room{}
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("crisis: unable to list rooms: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RoomsOfAlerts maps each alert with an open room to that room.
func (s *Service) RoomsOfAlerts(ctx context.Context) (map[int64]int64, error) {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT alert_id, id FROM crisis_rooms WHERE state = 'open' AND alert_id IS NOT NULL")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var a, r int64
		if err := rows.Scan(&a, &r); err != nil {
			return nil, err
		}
		out[a] = r
	}
	return out, rows.Err()
}

// Close closes room id with a written summary (required: it is what the
// report says happened). Surge mode ends with it, and so do the posts
// approved rebuttals have not yet answered.
func (s *Service) Close(ctx context.Context, p *auth.Principal, id int64, summary string) (Room, error) {
	if err := needUser(p); err != nil {
		return Room{}, err
	}
	summary = strings.TrimSpace(summary)
	switch {
	case summary == "":
		return Room{}, &Invalid{"summary", "a written summary is required to close a room"}
	case len(summary) > MaxSummary || !utf8.ValidString(summary) || strings.ContainsRune(summary, 0):
		return Room{}, &Invalid{"summary", fmt.Sprintf("is at most %d bytes of text", MaxSummary)}
	}
	now := store.Millis(s.opt.Now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockOpen(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE crisis_rooms SET state = 'closed', closed_by = $2, closed_at = $3, summary = $4, surge = 0, updated_at = $3
			WHERE id = $1`, id, p.UserID, now, summary); err != nil {
			return fmt.Errorf("crisis: unable to close the room: %w", err)
		}
		// What an approved rebuttal has not yet sent stops with the room.
		res, err := tx.ExecContext(ctx, `UPDATE crisis_rebuttal_posts SET state = 'skipped', reason = $2, at = $3
			WHERE state = 'pending' AND rebuttal_id IN (SELECT id FROM crisis_rebuttals WHERE room_id = $1)`, id, SkipClosed, now)
		if err != nil {
			return fmt.Errorf("crisis: unable to stop the room's rebuttals: %w", err)
		}
		stopped, _ := res.RowsAffected()
		return s.event(ctx, tx, p, id, "close", map[string]any{"summary_bytes": len(summary), "rebuttal_posts_stopped": stopped})
	})
	if err != nil {
		return Room{}, err
	}
	s.refreshSurges(ctx)
	s.changed(ctx, id)
	return s.Get(ctx, id)
}
