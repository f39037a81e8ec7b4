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
