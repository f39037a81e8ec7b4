package shift

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Team is a group of agents who share a queue.
type Team struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Members     []Member `json:"members"`
	Queued      int      `json:"queued"` // cases of the team waiting for an agent
	Version     int      `json:"version"`
}

// Member is an agent of a team as the admin page and the board show them.
type Member struct {
	UserID   int64    `json:"user_id"`
	Username string   `json:"username"`
	Name     string   `json:"name"`
	OnShift  bool     `json:"on_shift"`
	Load     int      `json:"load"` // open cases assigned to them
	Skills   Skills   `json:"skills"`
	Teams    []string `json:"teams,omitempty"`
}

// Skills are what an agent can take, in every team: at most Capacity open
// cases at once, in these languages and from these platforms (empty: any).
type Skills struct {
	Capacity  int      `json:"capacity"`
	Languages []string `json:"languages"`
	Platforms []string `json:"platforms"`
}

// DefaultCapacity is an agent's capacity until a supervisor sets one.
const DefaultCapacity = 8

// MaxCapacity bounds a capacity (a typo of 1000 would disable the check).
const MaxCapacity = 200

// TeamInput is a team as created or edited.
type TeamInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     int    `json:"version,omitempty"` // when set, refuse if changed since
}

func (in *TeamInput) check() error {
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Description = strings.TrimSpace(in.Description)
	if !oneLine(in.Name, 64) {
		return invalid("name", "must be 1–64 characters on one line")
	}
	if len(in.Description) > 500 || strings.ContainsRune(in.Description, 0) {
		return invalid("description", "must be at most 500 characters")
	}
	return nil
}

// openStatuses are the cases that count against an agent's capacity: those
// waiting on the agent (a case waiting on the citizen or a station is not).
const openStatuses = "('new', 'open')"

// unfinished lists the statuses of cases not resolved or closed, spelled
// out so that the queue index (status first) serves the board's reads
// instead of a scan of every case ever opened.
const unfinished = "('new', 'open', 'waiting_station', 'waiting_citizen')"

// Teams lists the teams with their members, by name.
func (s *Service) Teams(ctx context.Context) ([]Team, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT t.id, t.name, t.description, t.version,
		(SELECT count(*) FROM cases c WHERE c.team = t.name AND c.assignee_id IS NULL AND c.status IN `+openStatuses+`)
		FROM teams t ORDER BY t.name`)
	if err != nil {
		return nil, fmt.Errorf("shift: unable to list teams: %w", err)
	}
	var out []Team
	for rows.Next() {
		var t Team
		if err := rows.Scan(&t.ID, &t.Name, &t.Description, &t.Version, &t.Queued); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ms, err := s.members(ctx, 0)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Members = ms[out[i].ID]
	}
	return out, nil
}

// Team returns one team with its members.
func (s *Service) Team(ctx context.Context, teamID int64) (Team, error) {
	var t Team
	err := s.db.Read.QueryRowContext(ctx, `SELECT t.id, t.name, t.description, t.version,
		(SELECT count(*) FROM cases c WHERE c.team = t.name AND c.assignee_id IS NULL AND c.status IN `+openStatuses+`)
		FROM teams t WHERE t.id = $1`, teamID).Scan(&t.ID, &t.Name, &t.Description, &t.Version, &t.Queued)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("shift: unable to read team %d: %w", teamID, err)
	}
	ms, err := s.members(ctx, teamID)
	if err != nil {
		return t, err
	}
	t.Members = ms[teamID]
	return t, nil
}

// members reads the members of one team (0: of every team), by username.
func (s *Service) members(ctx context.Context, teamID int64) (map[int64][]Member, error) {
	rows, err := s.db.Read.QueryContext(ctx, `SELECT m.team_id, u.id, u.username, u.name,
		EXISTS (SELECT 1 FROM shift_clock k WHERE k.user_id = u.id AND k.out_at IS NULL),
		(SELECT count(*) FROM cases c WHERE c.assignee_id = u.id AND c.status IN `+openStatuses+`),
		COALESCE(k.capacity, $1), COALESCE(k.languages, ''), COALESCE(k.platforms, '')
		FROM team_members m JOIN users u ON u.id = m.user_id LEFT JOIN agent_skills k ON k.user_id = u.id
		WHERE ($2 = 0 OR m.team_id = $2) ORDER BY u.username`, DefaultCapacity, teamID)
	if err != nil {
		return nil, fmt.Errorf("shift: unable to list members: %w", err)
	}
	defer rows.Close()
	out := map[int64][]Member{}
	for rows.Next() {
		var tid int64
		var m Member
		var on bool
		var langs, plats string
		if err := rows.Scan(&tid, &m.UserID, &m.Username, &m.Name, &on, &m.Load, &m.Skills.Capacity, &langs, &plats); err != nil {
			return nil, err
		}
		m.OnShift = on
		m.Skills.Languages, m.Skills.Platforms = splitList(langs), splitList(plats)
		out[tid] = append(out[tid], m)
	}
	return out, rows.Err()
}

// CreateTeam adds a team (audited).
func (s *Service) CreateTeam(ctx context.Context, in TeamInput) (Team, error) {
	if err := in.check(); err != nil {
		return Team{}, err
	}
	now := store.Millis(s.now())
	var teamID int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := uniqueName(ctx, tx, in.Name, 0); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO teams (name, description, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`,
			in.Name, in.Description, now).Scan(&teamID); err != nil {
			return fmt.Errorf("shift: unable to create a team: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "team.create", Target: id("team", teamID), Details: map[string]any{"name": in.Name}})
	})
	if err != nil {
		return Team{}, err
	}
	return s.Team(ctx, teamID)
}

func uniqueName(ctx context.Context, tx *sql.Tx, name string, except int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM teams WHERE lower(name) = lower($1) AND id <> $2", name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return invalid("name", "a team named %q exists", name)
	}
	return nil
}

// UpdateTeam renames or redescribes a team; the team's queued and assigned
// cases follow the new name (audited).
func (s *Service) UpdateTeam(ctx context.Context, teamID int64, in TeamInput) (Team, error) {
	if err := in.check(); err != nil {
		return Team{}, err
	}
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var old string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT name, version FROM teams WHERE id = $1", teamID).Scan(&old, &version)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != version {
			return ErrConflict
		}
		if err := uniqueName(ctx, tx, in.Name, teamID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE teams SET name = $1, description = $2, updated_at = $3, version = version + 1 WHERE id = $4",
			in.Name, in.Description, now, teamID); err != nil {
			return err
		}
		if old != in.Name {
			if _, err := tx.ExecContext(ctx, "UPDATE cases SET team = $1 WHERE team = $2 AND status NOT IN ('resolved', 'closed')", in.Name, old); err != nil {
				return err
			}
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "team.update", Target: id("team", teamID), Details: map[string]any{"name": in.Name, "from": old}})
	})
	if err != nil {
		return Team{}, err
	}
	return s.Team(ctx, teamID)
}

// DeleteTeam removes a team; its queued cases stay in the inbox without a
// team (audited).
func (s *Service) DeleteTeam(ctx context.Context, teamID int64) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, "SELECT name FROM teams WHERE id = $1", teamID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE cases SET team = '' WHERE team = $1 AND assignee_id IS NULL AND status NOT IN ('resolved', 'closed')", name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM teams WHERE id = $1", teamID); err != nil {
			return err
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "team.delete", Target: id("team", teamID), Details: map[string]any{"name": name}})
	})
}

// memberRoles may be members of a team: people who answer cases.
var memberRoles = []string{string(auth.RoleAgent), string(auth.RoleSupervisor), string(auth.RoleAdmin)}

// SetMember adds (in) or removes a user from a team (audited). Adding
// starts the round-robin on the queue, should the new member be on shift.
func (s *Service) SetMember(ctx context.Context, teamID, userID int64, in bool) error {
	now := store.Millis(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM teams WHERE id = $1", teamID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		action := "team.member_remove"
		if in {
			var role string
			var disabled int
			err := tx.QueryRowContext(ctx, "SELECT role, disabled FROM users WHERE id = $1", userID).Scan(&role, &disabled)
			if errors.Is(err, sql.ErrNoRows) || disabled != 0 {
				return invalid("user_id", "user %d does not exist or is disabled", userID)
			}
			if err != nil {
				return err
			}
			if !slices.Contains(memberRoles, role) {
				return invalid("user_id", "a %s does not answer cases; members are agents and supervisors", role)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
				teamID, userID, now); err != nil {
				return err
			}
			action = "team.member_add"
		} else if _, err := tx.ExecContext(ctx, "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2", teamID, userID); err != nil {
			return err
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: action, Target: id("team", teamID), Details: map[string]any{"user_id": userID}})
	})
	if err == nil && in {
		s.DrainSoon()
	}
	return err
}

// SkillsOf returns an agent's capacity and skills (the defaults when none
// were set).
func (s *Service) SkillsOf(ctx context.Context, userID int64) (Skills, error) {
	k := Skills{Capacity: DefaultCapacity}
	var langs, plats string
	err := s.db.Read.QueryRowContext(ctx, "SELECT capacity, languages, platforms FROM agent_skills WHERE user_id = $1", userID).Scan(&k.Capacity, &langs, &plats)
	if errors.Is(err, sql.ErrNoRows) {
		return k, nil
	}
	k.Languages, k.Platforms = splitList(langs), splitList(plats)
	return k, err
}

var skillLanguages = []string{"en", "kn", "hi", "ta", "te", "ml", "ur", "mr"}

// SetSkills stores an agent's capacity and skills (audited); a higher
// capacity starts the round-robin on the queues.
func (s *Service) SetSkills(ctx context.Context, userID int64, k Skills) (Skills, error) {
	if k.Capacity < 0 || k.Capacity > MaxCapacity {
		return k, invalid("capacity", "must be 0 to %d open cases", MaxCapacity)
	}
	clean := func(field string, vals []string, known []string) ([]string, error) {
		var out []string
		for _, v := range vals {
			v = strings.ToLower(strings.TrimSpace(v))
			if v == "" || slices.Contains(out, v) {
				continue
			}
			if !slices.Contains(known, v) {
				return nil, invalid(field, "unknown value %q (one of %s)", v, strings.Join(known, ", "))
			}
			out = append(out, v)
		}
		slices.Sort(out)
		return out, nil
	}
	var err error
	if k.Languages, err = clean("languages", k.Languages, skillLanguages); err != nil {
		return k, err
	}
	if k.Platforms, err = clean("platforms", k.Platforms, Platforms); err != nil {
		return k, err
	}
	now := store.Millis(s.now())
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE id = $1", userID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO agent_skills (user_id, capacity, languages, platforms, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id) DO UPDATE SET capacity = excluded.capacity, languages = excluded.languages, platforms = excluded.platforms, updated_at = excluded.updated_at`,
			userID, k.Capacity, strings.Join(k.Languages, ","), strings.Join(k.Platforms, ","), now); err != nil {
			return fmt.Errorf("shift: unable to store skills: %w", err)
		}
		return auth.AuditTx(ctx, tx, auth.Entry{Action: "agent.skills", Target: id("user", userID), Details: k})
	})
	if err == nil {
		s.DrainSoon()
	}
	return k, err
}
