package app

import (
	"context"
	"time"

	"github.com/kaval-desk/kaval/internal/alert"
	"github.com/kaval-desk/kaval/internal/crisis"
	"github.com/kaval-desk/kaval/internal/rumour"
	"github.com/kaval-desk/kaval/internal/store"
)

// rumourSource gathers a rumour alert's cluster into a crisis room: every
// post of it, including the copies that joined after the alert. The
// room's start is not applied: the wave's first copies, posted before
// anyone opened a room, are the ones most in need of a rebuttal.
func rumourSource(db *store.DB) crisis.Source {
	return func(ctx context.Context, a alert.Alert, _ time.Time) ([]int64, error) {
		if a.Detail.Cluster == 0 {
			return nil, nil
		}
		ps, err := rumour.ClusterPosts(ctx, db, a.Detail.Cluster)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.PostID
		}
		return ids, nil
	}
}
