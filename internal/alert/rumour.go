package alert

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kaval-desk/kaval/internal/rumour"
	"github.com/kaval-desk/kaval/internal/store"
)

// KindRumour is the kind of a rumour cluster's alert; its key is
// "cluster:ID" and its Detail carries the cluster (Cluster, Station,
// Langs, PostIDs, Accounts, Cues).
const KindRumour = "rumour.cluster"

// RumourCritical: a wave this far past the threshold, or one that counts
// dead or hurt, is critical.
const RumourCritical = 3.0

// RumourDetector raises an alert for each rumour cluster that grew fast
// in this run. Unlike the spike detectors it writes (the clusters, so that
// their posts keep a name across runs): it runs under the loop's lease.
func RumourDetector(db *store.DB, d *rumour.Detector) Detector {
	return DetectorFunc{N: KindRumour, F: func(ctx context.Context, now time.Time) ([]Signal, error) {
		found, err := d.Run(ctx, now)
		if err != nil {
			return nil, err
		}
		var out []Signal
		for _, c := range found {
			sev := Warning
			if c.Score >= RumourCritical*d.Options().Threshold || slices.Contains(c.Cues, "casualty_count") {
				sev = Critical
			}
			subj := c.Station
			if subj == "" {
				subj = fmt.Sprint("cluster ", c.ID)
			}
			names, err := stationNames(ctx, db, c.Station)
			if err != nil {
				return nil, err
			}
			out = append(out, Signal{Kind: KindRumour, Key: fmt.Sprint("cluster:", c.ID), Subject: subj, Severity: sev,
				Link: "/desk/watch/map?window=1d",
				Detail: Detail{Observed: int64(c.Posts), Score: c.Score, Names: names, Cluster: c.ID, Station: c.Station, Langs: c.Langs,
					PostIDs: c.PostIDs, Accounts: c.Accounts, Cues: c.Cues}})
		}
		return out, nil
	}}
}

// stationNames is a station's name in Kannada, from the jurisdiction
// pack (nil when it has none or there is no such station).
func stationNames(ctx context.Context, db *store.DB, station string) (map[string]string, error) {
	if station == "" {
		return nil, nil
	}
	var kn string
	err := db.Read.QueryRowContext(ctx, "SELECT name_kn FROM units WHERE name = $1 ORDER BY id LIMIT 1", station).Scan(&kn)
	if errors.Is(err, sql.ErrNoRows) || err == nil && kn == "" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alert: unable to read the station's names: %w", err)
	}
	return map[string]string{"kn": kn}, nil
}
