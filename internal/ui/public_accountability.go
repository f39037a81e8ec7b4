package ui

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/public"
)

// PublicAccountabilityPath shows, per station and month, the cases
// opened and resolved and the median times to a first response and to
// resolution: aggregates only, medians hidden below public.MinCases.
const PublicAccountabilityPath = "/accountability"

type accountabilityView struct {
	publicView
	Months   []public.Month
	Month    public.Month
	MinCases int
}

func init() {
	// pubdur shows a median in minutes as minutes, hours or days.
	AddFunc("pubdur", func(t Translator) any {
		return func(m *float64) string {
			if m == nil {
				return "–"
			}
			switch v := *m; {
			case v < 90:
				return t.T("public.dur.min", strconv.FormatFloat(v, 'f', 0, 64))
			case v < 48*60:
				return t.T("public.dur.h", strconv.FormatFloat(v/60, 'f', 1, 64))
			default:
				return t.T("public.dur.d", strconv.FormatFloat(v/1440, 'f', 1, 64))
			}
		}
	})
}

// PublicAccountability registers the accountability page.
func (u *UI) PublicAccountability(acc *public.Accountability, opt PublicOptions) {
	pp := &publicPages{u: u, opt: opt}
	pc := &pageCache{}
	u.handlePublic(PublicAccountabilityPath, "Public accountability: cases, resolutions and median response and resolution times by station and month",
		func(w http.ResponseWriter, r *http.Request) error {
			ms, at, err := acc.MonthsAt(r.Context())
			if err != nil {
				return err
			}
			// The page only changes when the figures are computed again:
			// it is kept rendered until then (a table of every station).
			key := Lang(r) + " " + r.URL.RequestURI()
			if b, status, ok := pc.get(key, at); ok {
				writeHTML(w, r, status, b)
				return nil
			}
			v := accountabilityView{publicView: pp.view(r), Months: ms, MinCases: public.MinCases}
			want := r.URL.Query().Get("month")
			status := http.StatusOK
			if len(ms) > 0 {
				v.Month = ms[0]
			}
			if want != "" {
				found := false
				for _, m := range ms {
					if m.Month == want {
						v.Month, found = m, true
					}
				}
				if !found {
					status = http.StatusNotFound
				}
			}
			b, err := u.publicBytes(r, "public_accountability.html", View{Title: "public.acc.title", Data: v})
			if err != nil {
				return err
			}
			pc.put(key, at, b, status)
			writeHTML(w, r, status, b)
			return nil
		})
}

// pageCache keeps rendered pages for as long as the data they show (its
// version, a time); a few dozen keys at most, so that arbitrary query
// strings cannot fill the memory.
type pageCache struct {
	mu    sync.Mutex
	at    time.Time
	pages map[string]cachedPage
}

type cachedPage struct {
	body   []byte
	status int
}

const pageCacheMax = 64

func (c *pageCache) get(key string, at time.Time) ([]byte, int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.Equal(at) {
		return nil, 0, false
	}
	p, ok := c.pages[key]
	return p.body, p.status, ok
}

func (c *pageCache) put(key string, at time.Time, body []byte, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.Equal(at) || c.pages == nil {
		c.at, c.pages = at, map[string]cachedPage{}
	}
	if len(c.pages) < pageCacheMax {
		c.pages[key] = cachedPage{body, status}
	}
}
