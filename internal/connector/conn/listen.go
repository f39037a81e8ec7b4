package conn

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/query"
)

// ListenLoop runs sync (a connector's keyword-listening cycle) every
// interval until ctx ends. A failed cycle is retried with doubling
// backoff from min to max, or after the platform's RetryAfter when it
// asked to wait (a RateLimited *connector.Error); onErr sees each failure.
func ListenLoop(ctx context.Context, every, min, max time.Duration, sync func(context.Context) error, onErr func(error)) {
	bo := Doubling{Min: min, Max: max}
	for {
		wait := every
		if err := sync(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			onErr(err)
			wait = bo.Next()
			var ce *connector.Error
			if errors.As(err, &ce) && ce.Class == connector.RateLimited && ce.RetryAfter > wait {
				wait = ce.RetryAfter
			}
		} else {
			bo.Reset()
		}
		if Sleep(ctx, Jitter(wait)) != nil {
			return
		}
	}
}

// ListenState is the state of a listening query on a platform that
// searches whole words: partial when the desk would match more forms than
// the platform is asked (prefix words, searches that only find indexed
// posts), else widened or exact.
func ListenState(widened, partial bool) string {
	switch {
	case partial:
		return query.ListenPartial
	case widened:
		return query.ListenWidened
	}
	return query.ListenExact
}

// AddReason appends reason to reasons once.
func AddReason(reasons []string, reason string) []string {
	for _, r := range reasons {
		if r == reason {
			return reasons
		}
	}
	return append(reasons, reason)
}

// SearchSource is the checkpoint source of one search of a listening
// query: the search's text is hashed into it, so a changed query starts
// afresh instead of resuming from a cursor of another search.
func SearchSource(platform string, channel, queryID int64, search string) string {
	h := fnv.New64a()
	h.Write([]byte(search))
	return platform + ":" + strconv.FormatInt(channel, 10) + ":listen:q" + strconv.FormatInt(queryID, 10) + ":" + strconv.FormatUint(h.Sum64(), 36)
}
