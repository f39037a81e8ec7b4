package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kaval-desk/kaval/internal/store"
)

// scope is what a report covers: the whole force, or a unit with the
// units below it, whose posts are those the analysis placed in one of
// its stations and whose cases are those routed to one of its units.
type scope struct {
	unit     Unit
	force    bool
	stations []string // names as in posts.station
	unitIDs  []int64
}

// resolve reads the unit and the units under it (the units table is a
// few hundred rows: read whole, walked in memory).
func resolve(ctx context.Context, db *store.DB, unitID int64) (scope, error) {
	rows, err := db.Read.QueryContext(ctx, "SELECT id, kind, name, name_kn, COALESCE(parent_id, 0) FROM units")
	if err != nil {
		return scope{}, fmt.Errorf("report: unable to read units: %w", err)
	}
	defer rows.Close()
	type node struct {
		u      Unit
		parent int64
	}
	all := map[int64]node{}
	children := map[int64][]int64{}
	for rows.Next() {
		var n node
		if err := rows.Scan(&n.u.ID, &n.u.Kind, &n.u.Name, &n.u.NameKn, &n.parent); err != nil {
			return scope{}, fmt.Errorf("report: unable to read units: %w", err)
		}
		all[n.u.ID] = n
		children[n.parent] = append(children[n.parent], n.u.ID)
	}
	if err := rows.Err(); err != nil {
		return scope{}, fmt.Errorf("report: unable to read units: %w", err)
	}
	if unitID == 0 {
		return scope{unit: Unit{Kind: "force", Name: "All units"}, force: true}, nil
	}
	n, ok := all[unitID]
	if !ok {
		return scope{}, &Invalid{"unit", "no such unit"}
	}
	if n.u.Kind == "force" {
		return scope{unit: n.u, force: true}, nil
	}
	s := scope{unit: n.u}
	todo := []int64{unitID}
	for len(todo) > 0 && len(s.unitIDs) < 10000 {
		id := todo[0]
		todo = todo[1:]
		s.unitIDs = append(s.unitIDs, id)
		if k := all[id].u.Kind; k == "station" || k == "traffic_station" {
			s.stations = append(s.stations, all[id].u.Name)
		}
		todo = append(todo, children[id]...)
	}
	return s, nil
}

// in is an SQL list of n parameters from $first, and the args.
func in[T any](first int, vals []T) (string, []any) {
	if len(vals) == 0 {
		return "(NULL)", nil
	}
	s := "("
	args := make([]any, len(vals))
	for i, v := range vals {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("$%d", first+i)
		args[i] = v
	}
	return s + ")", args
}

// unitName reads a unit's name for a schedule list (0: the force).
func unitName(ctx context.Context, db *store.DB, id int64) (Unit, error) {
	if id == 0 {
		return Unit{Kind: "force", Name: "All units"}, nil
	}
	var u Unit
	err := db.Read.QueryRowContext(ctx, "SELECT id, kind, name, name_kn FROM units WHERE id = $1", id).Scan(&u.ID, &u.Kind, &u.Name, &u.NameKn)
	if errors.Is(err, sql.ErrNoRows) {
		return u, &Invalid{"unit", "no such unit"}
	}
	return u, err
}
