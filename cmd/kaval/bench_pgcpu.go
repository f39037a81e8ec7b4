package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// serverCPU is the CPU time of the PostgreSQL backends serving this
// process, read from /proc (the server on the same host): on a shared
// machine the wall time of a page on PostgreSQL includes the server's
// waiting for a core, and the process's own CPU time leaves the server's
// work out. The backends are found by the application_name this process
// connects with; /proc/PID/schedstat gives each one's time on a CPU in
// nanoseconds (the tick counts of /proc/PID/stat are 10 ms coarse).
type serverCPU struct {
	db   *store.DB
	app  string
	pids []int
}

// withAppName gives a PostgreSQL URL an application_name of this process
// (unless it has one) and returns it with that name.
func withAppName(dsn string) (string, string) {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn, ""
	}
	q := u.Query()
	if q.Get("application_name") == "" {
		q.Set("application_name", fmt.Sprintf("kaval-bench-%d", os.Getpid()))
		u.RawQuery = q.Encode()
	}
	return u.String(), q.Get("application_name")
}

// refresh reads the backends' process ids (outside the timed request: a
// connection the pool opened since is counted from the next run).
func (s *serverCPU) refresh(ctx context.Context) error {
	rows, err := s.db.Read.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", s.app)
	if err != nil {
		return err
	}
	defer rows.Close()
	s.pids = s.pids[:0]
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return err
		}
		s.pids = append(s.pids, pid)
	}
	return rows.Err()
}

// now is the backends' CPU time so far.
func (s *serverCPU) now() time.Duration {
	var sum int64
	for _, pid := range s.pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/schedstat")
		if err != nil {
			continue // gone, or not on this host
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			sum += n
		}
	}
	return time.Duration(sum)
}
