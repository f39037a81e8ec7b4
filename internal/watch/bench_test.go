package watch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
)

// fillYear writes a year of hourly rollups as a city desk would have
// them, generated in SQL: every hour, 11 platforms, 19 categories, 3
// sentiments, 8 languages and 110 stations, ~10 million posts in all
// (600 to 1,500 an hour).
func fillYear(b *testing.B, db *store.DB, end int64) (posts int64) {
	dims := `('all', 1), ('platform', 11), ('category', 19), ('sentiment', 3), ('lang', 8), ('station', 110)`
	q := `WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i < 8759),
		d(dim, n) AS (VALUES ` + dims + `),
		v(dim, j, n) AS (SELECT dim, 0, n FROM d UNION ALL SELECT dim, j + 1, n FROM v WHERE j + 1 < n)
		INSERT INTO volume_hourly (dim, value, hour, posts)
		SELECT v.dim, v.dim || j, $1 - (8760 - i) * 3600000, (600 + 900 * (i % 24) / 23) / n FROM h, v`
	if db.Dialect == store.Postgres {
		q = `WITH d(dim, n) AS (VALUES ` + dims + `)
		INSERT INTO volume_hourly (dim, value, hour, posts)
		SELECT d.dim, d.dim || j, $1::bigint - (8760 - i)::bigint * 3600000, (600 + 900 * (i % 24) / 23) / n
		FROM generate_series(0, 8759) AS i, d, generate_series(0, d.n - 1) AS j`
	}
	if _, err := db.Write.Exec(q, end); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Write.Exec(`INSERT INTO volume_daily (dim, day, value, posts)
		SELECT dim, hour - hour % 86400000, value, SUM(posts) FROM volume_hourly GROUP BY dim, hour - hour % 86400000, value`); err != nil {
		b.Fatal(err)
	}
	if db.Dialect == store.Postgres {
		db.Write.Exec("VACUUM ANALYZE volume_hourly")
		db.Write.Exec("VACUUM ANALYZE volume_daily")
	}
	db.Read.QueryRow("SELECT SUM(posts) FROM volume_hourly WHERE dim = 'all'").Scan(&posts)
	return posts
}

// BenchmarkReadVolume is the volume dashboard's JSON on a year of
// rollups (~10 million posts): a week by hour by platform, a month by day
// by station (the widest dimension), and a week of all posts by hour.
func BenchmarkReadVolume(b *testing.B) {
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, st := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", store.NewTestSQLite}, {"postgres", store.NewTestPostgres}} {
		b.Run(st.name, func(b *testing.B) {
			db := st.open(b)
			posts := fillYear(b, db, end.UnixMilli())
			var rows int64
			db.Read.QueryRow("SELECT COUNT(*) FROM volume_hourly").Scan(&rows)
			b.Logf("%s: %d rollup rows for %d posts", st.name, rows, posts)
			for _, c := range []VolumeFilter{
				{By: DimPlatform, Since: end.Add(-7 * 24 * time.Hour), Until: end},
				{By: DimStation, Since: end.Add(-30 * 24 * time.Hour), Until: end, Interval: "day"},
				{By: DimAll, Since: end.Add(-7 * 24 * time.Hour), Until: end},
			} {
				b.Run(fmt.Sprintf("%s-%s-%dd", c.By, cmpOr(c.Interval, "hour"), int(c.Until.Sub(c.Since).Hours()/24)), func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if _, err := ReadVolume(context.Background(), db, c); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
