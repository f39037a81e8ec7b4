package alert

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/ingest"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/rumour"
	"github.com/kaval-desk/kaval/internal/store"
)

// Copies of a rumour about Shivajinagar from five accounts raise one
// alert naming the cluster, its station, languages and posts, said in
// Kannada with the station's Kannada name; a later run that finds more
// copies updates the same alert.
func TestRumourDetectorRaisesTheCluster(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, c, _ := setup(t, db)
		if _, err := db.Write.Exec(`INSERT INTO units (code, kind, name, name_kn, created_at) VALUES ('blr/ps/shivajinagar', 'station', 'Shivajinagar PS', 'ಶಿವಾಜಿನಗರ ಪೊಲೀಸ್ ಠಾಣೆ', 0)`); err != nil {
			t.Fatal(err)
		}
		st := "Shivajinagar PS"
		in := ingest.New(db, nil, ingest.Options{Now: c.now, Analyze: func(p *post.Post) post.Analysis {
			lang := "en"
			if strings.Contains(p.Text, "ಶಿವಾಜಿನಗರ") {
				lang = "kn"
			}
			return post.Analysis{Lang: lang, SimHash: "00ff00ff00ff00ff", Station: &st}
		}})
		defer in.Close()
		add := func(from, n int) {
			var ps []post.Post
			for i := from; i < from+n; i++ {
				text := "Riot in Shivajinagar, 5 people killed, police are hiding it, forward to all"
				if i%2 == 1 {
					text = "ಶಿವಾಜಿನಗರ ಗಲಭೆ, 5 ಜನ ಸಾವು, ಎಲ್ಲರಿಗೂ ಶೇರ್ ಮಾಡಿ ಈಗಲೇ ದಯವಿಟ್ಟು"
				}
				ps = append(ps, post.Post{Platform: post.X, ExternalID: fmt.Sprint("r", i), Kind: post.KindMention, Text: text,
					Author: post.Author{ExternalID: fmt.Sprint("acct", i)}, CreatedAt: c.now().Add(-time.Duration(10-i) * time.Minute)})
			}
			if _, err := in.Submit(ctx, ps); err != nil {
				t.Fatal(err)
			}
		}
		add(0, 5)
		l := &Loop{Service: s, Leases: nil, Now: c.now}
		l.Add(RumourDetector(db, rumour.New(db, rumour.Options{})))
		sigs, err := l.Detectors[0].Detect(ctx, c.now())
		if err != nil || len(sigs) != 1 {
			t.Fatalf("%+v %v", sigs, err)
		}
		sig := sigs[0]
		d := sig.Detail
		if sig.Kind != KindRumour || sig.Key != fmt.Sprint("cluster:", d.Cluster) || d.Station != st || sig.Severity != Critical ||
			len(d.PostIDs) != 5 || d.Accounts != 5 || strings.Join(d.Langs, ",") != "en,kn" || d.Names["kn"] == "" {
			t.Fatalf("signal: %+v", sig)
		}
		a, o, err := s.Raise(ctx, sig)
		if err != nil || o != Opened || a.Detail.Cluster != d.Cluster {
			t.Fatalf("%+v %s %v", a, o, err)
		}
		txt := Texts(sig)
		if txt["en"].Subject != "Rumour spreading about Shivajinagar PS: 5 copies from 5 accounts (English, Kannada)" ||
			!strings.HasPrefix(txt["kn"].Subject, "ಶಿವಾಜಿನಗರ ಪೊಲೀಸ್ ಠಾಣೆ ಕುರಿತು ವದಂತಿ") || !strings.Contains(txt["kn"].Subject, "ಇಂಗ್ಲಿಷ್, ಕನ್ನಡ") {
			t.Fatalf("texts: %+v", txt)
		}
		c.add(time.Minute)
		add(5, 3)
		sigs, err = l.Detectors[0].Detect(ctx, c.now())
		if err != nil || len(sigs) != 1 || sigs[0].Detail.Cluster != d.Cluster || len(sigs[0].Detail.PostIDs) != 8 {
			t.Fatalf("again: %+v %v", sigs, err)
		}
		if b, o, err := s.Raise(ctx, sigs[0]); err != nil || o != Repeated || b.ID != a.ID || len(b.Detail.PostIDs) != 8 {
			t.Fatalf("again: %+v %s %v", b, o, err)
		}
		ps, err := rumour.ClusterPosts(ctx, db, d.Cluster)
		if err != nil || len(ps) != 8 || ps[0].Platform != post.X || ps[0].Station != st || len(ps[0].Cues) == 0 {
			t.Fatalf("cluster posts: %+v %v", ps, err)
		}
	})
}
