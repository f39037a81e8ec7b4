package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
)

// sseFanout measures how long a new case takes to reach n open inboxes:
// n SSE connections to /desk/inbox/live over loopback (a supervisor's
// sessions, who see every case), then a citizen's post stored through
// intake and threaded by the pipeline; the clock runs from the submit to
// each browser receiving the case's row (the pipeline's bus event, the
// hub, and each connection's own scope check, query and render).
func (fx *inboxFixture) sseFanout(ctx context.Context, out io.Writer, n, rounds int) error {
	ts := httptest.NewServer(fx.h)
	defer ts.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type recv struct {
		client int
		at     time.Time
		data   string
	}
	var mu sync.Mutex
	var got []recv
	var wg sync.WaitGroup
	for i := range n {
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/desk/inbox/live", nil)
		for _, c := range fx.cookies["bench-supervisor"] {
			req.AddCookie(c)
		}
		res, err := ts.Client().Do(req)
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			res.Body.Close()
			return fmt.Errorf("live inbox: status %d", res.StatusCode)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			var data strings.Builder
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "data:"):
					data.WriteString(line)
				case line == "":
					if data.Len() > 0 {
						mu.Lock()
						got = append(got, recv{i, time.Now(), data.String()})
						mu.Unlock()
						data.Reset()
					}
				}
			}
		}()
	}
	for t0 := time.Now(); fx.a.UI.Hub().Clients() < n; time.Sleep(10 * time.Millisecond) {
		if time.Since(t0) > 10*time.Second {
			return fmt.Errorf("only %d of %d live inboxes connected", fx.a.UI.Hub().Clients(), n)
		}
	}
	var all, worst []time.Duration
	for r := range rounds {
		p := post.Post{Platform: post.X, ExternalID: "sse-" + strconv.FormatInt(time.Now().UnixNano(), 36), Kind: post.KindMention,
			Channel: "bench", Author: post.Author{ExternalID: "sse-author-" + strconv.Itoa(r), Handle: "sse" + strconv.Itoa(r)},
			Text: "Bench fan-out: signal not working near Silk Board junction, round " + strconv.Itoa(r), CreatedAt: time.Now()}
		t0 := time.Now()
		res, err := fx.a.Intake.Submit(ctx, []post.Post{p})
		if err != nil || res[0].Err != nil {
			return fmt.Errorf("submit: %v %v", err, res)
		}
		if err := fx.a.Pipeline.Process(ctx, []int64{res[0].ID}); err != nil {
			return err
		}
		var caseID int64
		if err := fx.a.DB.Read.QueryRowContext(ctx, "SELECT COALESCE(case_id, 0) FROM posts WHERE id = $1", res[0].ID).Scan(&caseID); err != nil || caseID == 0 {
			return fmt.Errorf("the post was not threaded: %v", err)
		}
		mark := `id="case-` + strconv.FormatInt(caseID, 10) + `"`
		first := map[int]time.Time{}
		for deadline := time.Now().Add(10 * time.Second); len(first) < n && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			mu.Lock()
			for _, g := range got {
				if _, ok := first[g.client]; !ok && strings.Contains(g.data, mark) {
					first[g.client] = g.at
				}
			}
			mu.Unlock()
		}
		if len(first) < n {
			return fmt.Errorf("round %d: %d of %d inboxes got the case within 10 s", r, len(first), n)
		}
		var lat []time.Duration
		for _, at := range first {
			lat = append(lat, at.Sub(t0))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		all = append(all, lat...)
		worst = append(worst, lat[len(lat)-1])
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	ts.CloseClientConnections()
	wg.Wait()
	fmt.Fprintf(out, "  new case to %d live inboxes, %d rounds: each inbox p50 / p95 / max %s; the last of the %d per round p50 / p95 / max %s\n",
		n, rounds, lat3(all), n, lat3(worst))
	return nil
}
