package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/unit"
)

// fillCity writes three weeks of a city desk's posts in SQL (27,000 a
// day, a year's 10 million at that rate: 110 stations, 11 platforms, 19
// categories; one in 100 urgent, one in 500 an emergency), a case for one
// post in ten, and the hourly rollups and daily terms the pipeline would
// have kept for them. A report reads its period's index ranges, so the
// posts before the previous period (the rest of the 10 million) would
// only deepen the indexes by a level.
func fillCity(b *testing.B, db *store.DB, end int64) {
	const days = 21
	n := days * 27000
	step := int64(days) * 24 * 3600000 / int64(n)
	// Nine divisions (Bengaluru has eight law-and-order ones), 12 or 13
	// stations each.
	us := []unit.Unit{{Code: "F", Kind: "force", Name: "Force"}}
	for d := 0; d < 9; d++ {
		us = append(us, unit.Unit{Code: fmt.Sprint("D", d), Kind: "division", Name: fmt.Sprint("Division ", d), ParentCode: "F"})
	}
	for i := 0; i < 110; i++ {
		us = append(us, unit.Unit{Code: fmt.Sprint("S", i), Kind: "station", Name: fmt.Sprint("Station ", i), ParentCode: fmt.Sprint("D", i%9)})
	}
	if _, err := unit.NewStore(db).Upsert(context.Background(), us); err != nil {
		b.Fatal(err)
	}
	gen := `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < $1)`
	series := `s`
	if db.Dialect == store.Postgres {
		gen = `WITH s(i) AS (SELECT generate_series(0, $1::bigint - 1))`
	}
	q := gen + `
		INSERT INTO posts (platform, external_id, kind, text, created_at, received_at, stage, lang, sentiment, category, station, urgency, emergency)
		SELECT 'p' || (i % 11), 'b' || i, 'mention', 'post number ' || i || ' about #tag' || (i % 50), $2 + i * $3, $2 + i * $3, 2,
			CASE WHEN i % 3 = 0 THEN 'kn' ELSE 'en' END, CASE i % 3 WHEN 0 THEN 'negative' WHEN 1 THEN 'neutral' ELSE 'positive' END,
			'c' || (i % 19), 'Station ' || (i % 110),
			CASE WHEN i % 100 = 0 THEN 80 ELSE i % 50 END, CASE WHEN i % 500 = 0 THEN 1 ELSE 0 END FROM ` + series
	start := end - int64(days)*24*3600000
	if _, err := db.Write.Exec(q, n, start, step); err != nil {
		b.Fatal(err)
	}
	for _, dim := range []string{"platform", "sentiment", "lang", "category", "station"} {
		if _, err := db.Write.Exec(`INSERT INTO volume_hourly (dim, value, hour, posts)
			SELECT '` + dim + `', ` + dim + `, created_at - created_at % 3600000, COUNT(*) FROM posts GROUP BY ` + dim + `, created_at - created_at % 3600000`); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Write.Exec(`INSERT INTO volume_hourly (dim, value, hour, posts)
		SELECT 'all', '', created_at - created_at % 3600000, COUNT(*) FROM posts GROUP BY created_at - created_at % 3600000`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Write.Exec(`INSERT INTO term_daily (kind, day, term, posts)
		SELECT 'hashtag', created_at - created_at % 86400000, '#tag' || (id % 50), COUNT(*) FROM posts GROUP BY created_at - created_at % 86400000, id % 50`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Write.Exec(`INSERT INTO cases (ref, platform, thread_key, last_post_at, created_at, updated_at, status, unit_id, first_response_due, resolve_due)
		SELECT 'R-' || p.id, p.platform, 't' || p.id, p.created_at, p.created_at, p.created_at, 'resolved', u.id, p.created_at + 3600000, p.created_at + 86400000
		FROM posts p JOIN units u ON u.name = p.station WHERE p.id % 10 = 0`); err != nil {
		b.Fatal(err)
	}
	if db.Dialect == store.Postgres {
		for _, t := range []string{"posts", "cases", "volume_hourly", "term_daily"} {
			db.Write.Exec("VACUUM ANALYZE " + t)
		}
	} else {
		db.Write.Exec("ANALYZE")
	}
}

// BenchmarkBuild times building a report (everything but storing and
// rendering it) on three weeks of a city's posts: the force's daily brief
// and weekly report, a division's week (12 stations), a station's week.
func BenchmarkBuild(b *testing.B) {
	end := time.Date(2026, 12, 7, 0, 0, 0, 0, IST)
	for _, st := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", store.NewTestSQLite}, {"postgres", store.NewTestPostgres}} {
		b.Run(st.name, func(b *testing.B) {
			db := st.open(b)
			fillCity(b, db, store.Millis(end))
			var division, station int64
			db.Read.QueryRow("SELECT id FROM units WHERE name = 'Division 1'").Scan(&division)
			db.Read.QueryRow("SELECT id FROM units WHERE name = 'Station 1'").Scan(&station)
			bl := NewBuilder(db).WithClock(func() time.Time { return end.Add(time.Hour) })
			for _, c := range []struct {
				name string
				req  Request
			}{
				{"force-daily", Request{Kind: Daily, Day: end.AddDate(0, 0, -1)}},
				{"force-weekly", Request{Kind: Weekly, Day: end.AddDate(0, 0, -7)}},
				{"division-weekly", Request{Kind: Weekly, UnitID: division, Day: end.AddDate(0, 0, -7)}},
				{"station-weekly", Request{Kind: Weekly, UnitID: station, Day: end.AddDate(0, 0, -7)}},
			} {
				b.Run(c.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						r, err := bl.Build(context.Background(), c.req)
						if err != nil {
							b.Fatal(err)
						}
						if r.Volumes.Posts == 0 {
							b.Fatal("no posts")
						}
					}
				})
			}
		})
	}
}

// BenchmarkPDF renders a report with every section full and ten notable
// posts in Kannada and English, in Kannada.
func BenchmarkPDF(b *testing.B) {
	r := Report{Kind: Weekly, Unit: Unit{ID: 1, Name: "Adugodi PS", NameKn: "ಆಡುಗೋಡಿ ಪೊಲೀಸ್ ಠಾಣೆ"}, Since: time.Date(2026, 11, 30, 0, 0, 0, 0, IST),
		Until: time.Date(2026, 12, 7, 0, 0, 0, 0, IST), Redacted: true}
	for i := 0; i < 10; i++ {
		c := Count{Value: fmt.Sprint("value ", i), N: int64(1000 - i)}
		r.Volumes.ByPlatform = append(r.Volumes.ByPlatform, c)
		r.Issues.Categories = append(r.Issues.Categories, c)
		r.Issues.Places = append(r.Issues.Places, Count{Value: "ಕೋರಮಂಗಲ " + fmt.Sprint(i), N: 10})
		r.Notable = append(r.Notable, Notable{Platform: "x", Urgency: 90, Text: "ಕೋರಮಂಗಲದಲ್ಲಿ ಸರಗಳ್ಳತನ ನಡೆದಿದೆ, ದಯವಿಟ್ಟು ಸಹಾಯ ಮಾಡಿ. Chain snatching near Forum mall, please help"})
	}
	t := func(key string, args ...any) string { return key + fmt.Sprint(args...) }
	for i := 0; i < b.N; i++ {
		if _, err := PDF(r, "kn", t); err != nil {
			b.Fatal(err)
		}
	}
}
