package watch

import (
	"context"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// RepPoint is the reputation of one interval: the posts addressed to the
// force by sentiment, and the index 100 × (positive − negative) / all
// (from −100, every post negative, to +100), absent without posts.
type RepPoint struct {
	T        time.Time `json:"t"`
	Positive int64     `json:"positive"`
	Neutral  int64     `json:"neutral"`
	Negative int64     `json:"negative"`
	Total    int64     `json:"total"`
	Index    *float64  `json:"index"`
}

// Reputation is the index over time and over the whole window.
type Reputation struct {
	Interval string     `json:"interval"`
	Since    time.Time  `json:"since"`
	Until    time.Time  `json:"until"`
	Overall  RepPoint   `json:"overall"`
	Points   []RepPoint `json:"points"`
}

// ReadReputation reads the reputation index: sentiment toward the force,
// not the world. Only posts that address the force count (mentions,
// replies, comments, messages, forms), so a city angry at the rain does
// not lower it; posts found by keyword listening do not count.
func ReadReputation(ctx context.Context, db *store.DB, since, until time.Time, interval string) (Reputation, error) {
	v, err := ReadVolume(ctx, db, VolumeFilter{By: DimForce, Since: since, Until: until, Interval: interval, Top: 50})
	if err != nil {
		return Reputation{}, err
	}
	out := Reputation{Interval: v.Interval, Since: v.Since, Until: v.Until}
	step := int64(hourMs)
	if v.Interval == "day" {
		step = dayMs
	}
	s, u := store.Millis(v.Since), store.Millis(v.Until)
	out.Points = make([]RepPoint, (u-s+step-1)/step)
	for i := range out.Points {
		out.Points[i].T = store.Time(s + int64(i)*step)
	}
	for _, s := range v.Series {
		for i, p := range s.Points {
			rp := &out.Points[i]
			add(rp, s.Value, p.Posts)
			add(&out.Overall, s.Value, p.Posts)
		}
	}
	for i := range out.Points {
		index(&out.Points[i])
	}
	out.Overall.T = out.Since
	index(&out.Overall)
	return out, nil
}

func add(p *RepPoint, sentiment string, n int64) {
	switch sentiment {
	case "positive":
		p.Positive += n
	case "negative":
		p.Negative += n
	default: // neutral, and posts the analysis could not judge
		p.Neutral += n
	}
	p.Total += n
}

func index(p *RepPoint) {
	if p.Total == 0 {
		return
	}
	x := float64(100*(p.Positive-p.Negative)) / float64(p.Total)
	x = float64(int64(x*10+sign(x)*0.5)) / 10
	p.Index = &x
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}
