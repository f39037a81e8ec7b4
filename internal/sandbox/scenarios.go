package sandbox

import (
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

// Scenario is a practice shift: the simulator's traffic with a shape.
type Scenario struct {
	Key     string        // quiet_morning, flood_burst, rumour_wave, missing_child
	Posts   int           // how many posts arrive
	Spacing time.Duration // between posts at speed 1
	Bursts  []scenario.Burst
	Seed    uint64
}

// Scenarios are the practice shifts a trainee chooses from.
var Scenarios = []Scenario{
	{Key: "quiet_morning", Posts: 10, Spacing: 45 * time.Second, Seed: 11},
	{Key: "flood_burst", Posts: 16, Spacing: 25 * time.Second, Seed: 23,
		Bursts: []scenario.Burst{{Theme: scenario.ThemeFlood, Place: "Silk Board Junction", Start: 0, Duration: time.Hour, Share: 0.55}}},
	{Key: "rumour_wave", Posts: 14, Spacing: 30 * time.Second, Seed: 37,
		Bursts: []scenario.Burst{{Theme: scenario.ThemeRumour, Place: "Shivajinagar", Start: 0, Duration: time.Hour, Share: 0.5}}},
	{Key: "missing_child", Posts: 12, Spacing: 35 * time.Second, Seed: 53,
		Bursts: []scenario.Burst{{Theme: scenario.ThemeMissingChild, Place: "Jayanagar", Start: 0, Duration: time.Hour, Share: 0.35}}},
}

// Speeds a session may run at: how many times faster than the scenario's
// own pace posts arrive.
var Speeds = []int{1, 2, 5, 10}

// ScenarioByKey finds a scenario.
func ScenarioByKey(key string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.Key == key {
			return s, true
		}
	}
	return Scenario{}, false
}

// events generates the scenario's posts. Every platform the simulator
// knows is used except RSS (news is not answered); ids are prefixed so a
// practice post can never be mistaken for a platform's.
func (sc Scenario) events() []scenario.Event {
	mix := map[string]float64{}
	for p, w := range scenario.DefaultMix {
		if p != post.RSS {
			mix[p] = w
		}
	}
	g := scenario.New(scenario.Config{Seed: sc.Seed, Platforms: mix, Bursts: sc.Bursts, Rate: 1 / sc.Spacing.Seconds()})
	out := make([]scenario.Event, 0, sc.Posts)
	for len(out) < sc.Posts {
		e := g.Next()
		if e.Valid() {
			out = append(out, e)
		}
	}
	return out
}

// eventPost is the post a connector would have made of e.
func eventPost(e scenario.Event, at time.Time) post.Post {
	p := post.Post{
		Platform: e.Platform, ExternalID: "practice-" + e.ID, Kind: e.Kind, Channel: "practice",
		Author: post.Author{ExternalID: e.AuthorID, Handle: e.AuthorHandle, Name: e.AuthorName},
		Text:   e.Text, Lat: e.Lat, Lon: e.Lon, CreatedAt: at,
	}
	if e.ReplyTo != "" {
		p.InReplyTo = "practice-" + e.ReplyTo
	}
	if e.Kind == post.KindDirectMessage {
		p.Private, p.ThreadID = true, "practice-"+e.ThreadKey
	}
	return p
}
