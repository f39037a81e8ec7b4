package desk_test

import (
	"flag"
	"hash/fnv"
	"math/bits"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/kaval-desk/kaval/internal/analyze/simhash"
	"github.com/kaval-desk/kaval/internal/desk"
)

var dupSample = flag.Int("dupsample", 1500, "tweets per CrisisLexT6 event for TestNearDuplicateThreshold (docs/TRIAGE.md used 5000)")

// TestNearDuplicateThreshold measures the SimHash distance of real copies
// and of real different tweets on one topic, and holds desk.DupDistance to
// what docs/TRIAGE.md says of it. Ground truth is word overlap: a pair is
// a copy when the Jaccard similarity of its word sets (mentions, links and
// "RT" left out) is at least 0.8, verbatim when it is 1, different when it
// is under 0.5. Pairs are taken within each of the six CrisisLexT6 events,
// so different tweets share a topic, as reports at one station do.
// `go test ./internal/desk -run NearDuplicateThreshold -v -args -dupsample 5000`
// prints the table of docs/TRIAGE.md.
func TestNearDuplicateThreshold(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sharedData, "crisis/CrisisLexT6/*/*.csv"))
	if err != nil || len(files) != 6 {
		t.Fatalf("CrisisLexT6 missing under %s (%d files): %v", sharedData, len(files), err)
	}
	const maxD = 12
	var verbatim, edited, overlap, different [maxD + 1]int
	var copies, editedCopies, pairs int
	var gaps []float64 // hours from a copy to the previous copy
	for _, f := range files {
		type tweet struct {
			hash  uint64
			words []uint64
			ms    int64
		}
		var tw []tweet
		for _, r := range readCSV(t, f, 1, 0) {
			id, _ := strconv.ParseInt(strings.Trim(r.group, "' "), 10, 64)
			if h := simhash.Of(r.text); h != 0 {
				tw = append(tw, tweet{h, wordSet(r.text), id>>22 + 1288834974657}) // snowflake ids carry the time
			}
			if len(tw) == *dupSample {
				break
			}
		}
		for i := range tw {
			prev := int64(-1)
			for j := range tw {
				if i == j {
					continue
				}
				jc := jaccard(tw[i].words, tw[j].words)
				if jc >= 0.8 && tw[j].ms <= tw[i].ms && tw[j].ms > prev && j < i {
					prev = tw[j].ms
				}
				if j < i {
					continue
				}
				pairs++
				if jc >= 0.8 {
					copies++
					if jc < 1 {
						editedCopies++
					}
				}
				d := bits.OnesCount64(tw[i].hash ^ tw[j].hash)
				if d > maxD {
					continue
				}
				switch {
				case jc == 1:
					verbatim[d]++
				case jc >= 0.8:
					edited[d]++
				case jc >= 0.5:
					overlap[d]++
				default:
					different[d]++
				}
			}
			if prev >= 0 {
				gaps = append(gaps, float64(tw[i].ms-prev)/3.6e6)
			}
		}
	}
	t.Logf("%d pairs within events, %d copies (%d edited)", pairs, copies, editedCopies)
	t.Logf("%4s %10s %10s %10s %10s %12s", "≤d", "verbatim", "edited", "overlap", "different", "per pair")
	var cv, ce, co, cd int
	var atThreshold [4]int
	for d := 0; d <= maxD; d++ {
		cv, ce, co, cd = cv+verbatim[d], ce+edited[d], co+overlap[d], cd+different[d]
		t.Logf("%4d %10d %10d %10d %10d %12.2g", d, cv, ce, co, cd, float64(cd)/float64(pairs))
		if d == desk.DupDistance {
			atThreshold = [4]int{cv, ce, co, cd}
		}
	}
	slices.Sort(gaps)
	for _, h := range []float64{1, 3, 6, 12, 24} {
		i, _ := slices.BinarySearch(gaps, h)
		t.Logf("a copy within %2.0f h of the previous one: %.0f%%", h, 100*float64(i)/float64(max(len(gaps), 1)))
	}
	verbatimAll := cv // every verbatim pair is within maxD
	if r := float64(atThreshold[0]) / float64(max(verbatimAll, 1)); r < 0.95 {
		t.Errorf("at ≤ %d bits only %.2f of verbatim copies match", desk.DupDistance, r)
	}
	if r := float64(atThreshold[3]) / float64(pairs); r > 2e-5 {
		t.Errorf("at ≤ %d bits %.2g of different pairs match", desk.DupDistance, r)
	}
}

// wordSet is the sorted hashes of a tweet's lower-cased words, without
// mentions, links and "rt".
func wordSet(s string) []uint64 {
	var out []uint64
	for _, w := range strings.Fields(strings.ToLower(s)) {
		if strings.HasPrefix(w, "@") || strings.HasPrefix(w, "http") || w == "rt" {
			continue
		}
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w != "" {
			h := fnv.New64a()
			h.Write([]byte(w))
			out = append(out, h.Sum64())
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func jaccard(a, b []uint64) float64 {
	i, j, both := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			both++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	if u := len(a) + len(b) - both; u > 0 {
		return float64(both) / float64(u)
	}
	return 0
}
