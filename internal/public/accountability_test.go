package public

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// Figures older than the ttl are recomputed in the background: callers
// get the previous ones at once, then the new ones.
func TestAccountabilityRefreshesInBackground(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var unit int64
		if err := db.Write.QueryRow(`INSERT INTO units (code, kind, name, created_at) VALUES ('blr/ps/adugodi', 'station', 'Adugodi PS', 0) RETURNING id`).Scan(&unit); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		now := time.Now()
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		addCase := func(k int) {
			c := store.Millis(clock().Add(-time.Hour))
			if _, err := db.Write.Exec(`INSERT INTO cases (ref, status, priority, category, platform, thread_key, unit_id, created_at, last_post_at, updated_at)
				VALUES ($1, 'open', 3, 'theft', 'x', $1, $2, $3, $3, $3)`, fmt.Sprintf("T-%d", k), unit, c); err != nil {
				t.Fatal(err)
			}
		}
		addCase(1)
		a := NewAccountability(db, time.Minute)
		a.now = clock
		cases := func() int {
			ms, err := a.Months(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return ms[0].Total.Cases
		}
		if n := cases(); n != 1 {
			t.Fatalf("first: %d", n)
		}
		addCase(2)
		if n := cases(); n != 1 {
			t.Fatalf("within the ttl: %d", n)
		}
		mu.Lock()
		now = now.Add(2 * time.Minute)
		mu.Unlock()
		if n := cases(); n != 1 {
			t.Fatalf("expired: the previous figures are served while recomputing, got %d", n)
		}
		deadline := time.Now().Add(10 * time.Second)
		for cases() != 2 {
			if time.Now().After(deadline) {
				t.Fatal("the figures were not recomputed")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// MonthsAt gives figures and the time they were computed together: while
// cases arrive and the figures are recomputed in the background, no
// answer pairs older figures with a newer time (a page cached under that
// time would show them until the next computation). Case k is stored
// before the clock reaches step k, so figures computed at step k count k
// cases at least.
func TestAccountabilityFiguresAndTimeTogether(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var unit int64
		if err := db.Write.QueryRow(`INSERT INTO units (code, kind, name, created_at) VALUES ('blr/ps/adugodi', 'station', 'Adugodi PS', 0) RETURNING id`).Scan(&unit); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		start := time.Now()
		now := start
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		a := NewAccountability(db, time.Nanosecond) // every call past the first starts a recomputation
		a.now = clock
		step := func(at time.Time) int { return int(at.Sub(start) / time.Minute) }
		var wg sync.WaitGroup
		stop := make(chan struct{})
		errs := make(chan string, 100)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					ms, at, err := a.MonthsAt(ctx)
					if err != nil {
						errs <- err.Error()
						return
					}
					if n := ms[0].Total.Cases; n < step(at) {
						errs <- fmt.Sprintf("%d cases in figures computed at step %d", n, step(at))
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}
		for k := 1; k <= 30; k++ {
			c := store.Millis(start.Add(-time.Hour))
			if _, err := db.Write.Exec(`INSERT INTO cases (ref, status, priority, category, platform, thread_key, unit_id, created_at, last_post_at, updated_at)
				VALUES ($1, 'open', 3, 'theft', 'x', $1, $2, $3, $3, $3)`, fmt.Sprintf("T-%d", k), unit, c); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			now = start.Add(time.Duration(k) * time.Minute)
			mu.Unlock()
			time.Sleep(3 * time.Millisecond)
		}
		close(stop)
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatal(e)
		}
		// The figures catch up with every case.
		deadline := time.Now().Add(10 * time.Second)
		for {
			ms, at, err := a.MonthsAt(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ms[0].Total.Cases == 30 && step(at) == 30 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("figures %d cases at step %d", ms[0].Total.Cases, step(at))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
