// Package post defines the one normalised shape every source feeds into
// intake, and the analysis that the understanding engine attaches to it.
// It is the shared vocabulary of the desk: connectors produce Posts,
// analyze fills Analysis, the store persists both. It imports nothing of
// the project so every other package may depend on it.
package post

import (
	"encoding/json"
	"fmt"
	"time"
)

// Platforms known to the desk. The string is stored; never rename one.
const (
	X         = "x"
	Facebook  = "facebook"
	Instagram = "instagram"
	Messenger = "messenger"
	WhatsApp  = "whatsapp"
	Telegram  = "telegram"
	Mastodon  = "mastodon"
	Bluesky   = "bluesky"
	RSS       = "rss"
	WebForm   = "webform"
	Import    = "import"
)

// Kinds of inbound item.
const (
	KindMention       = "mention"
	KindComment       = "comment"
	KindReply         = "reply"
	KindDirectMessage = "direct_message"
	KindPost          = "post"
	KindNews          = "news"
	KindForm          = "form"
	// KindListening is a public post found by keyword listening (a
	// listening query's X stream rule, Bluesky or Mastodon search): about
	// the city, not addressed to the force. It feeds the watch floor and
	// opens a case only when triage finds it urgent (desk.NeedsCase).
	KindListening = "listening"
)

// Author is a platform identity. ExternalID is the platform's stable user id
// (a string: X ids exceed 2^53, Telegram ids are negative).
type Author struct {
	ExternalID string `json:"id"`
	Handle     string `json:"handle,omitempty"`
	Name       string `json:"name,omitempty"`
	Location   string `json:"location,omitempty"` // the author's stated location, free text
	URL        string `json:"url,omitempty"`
}

// Post is one normalised inbound item. Platform+ExternalID is its identity:
// intake is idempotent on it.
type Post struct {
	ID         int64           `json:"id,omitempty"` // assigned by the store
	Platform   string          `json:"platform"`
	ExternalID string          `json:"external_id"`
	Kind       string          `json:"kind,omitempty"`
	Channel    string          `json:"channel,omitempty"`     // our account/page/number/feed it arrived on, as the platform names it
	ChannelID  int64           `json:"channel_id,omitempty"`  // the configured channel it came through (set by the desk, 0 for imports)
	ThreadID   string          `json:"thread_id,omitempty"`   // conversation root, or DM conversation id
	InReplyTo  string          `json:"in_reply_to,omitempty"` // parent item's external id
	Author     Author          `json:"author"`
	Text       string          `json:"text"`
	Lang       string          `json:"lang,omitempty"` // as declared by the platform, if any
	URL        string          `json:"url,omitempty"`
	Lat        *float64        `json:"lat,omitempty"`
	Lon        *float64        `json:"lon,omitempty"`
	Private    bool            `json:"private,omitempty"` // DMs, WhatsApp, Messenger, form submissions
	CreatedAt  time.Time       `json:"created_at"`
	ReceivedAt time.Time       `json:"received_at,omitempty"`
	Raw        json.RawMessage `json:"raw,omitempty"` // the platform payload, kept as evidence

	// Filled after intake.
	Analysis *Analysis `json:"analysis,omitempty"`
	CaseID   int64     `json:"case_id,omitempty"`
	// EditedAt is when the author last edited the post on its platform
	// (the text is the latest; earlier versions are kept as evidence).
	EditedAt *time.Time `json:"edited_at,omitempty"`
	// DeletedAt is when the author deleted it on its platform. Its text
	// is then shown only to those who may see evidence, until it is
	// purged.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// Analysis is what the understanding engine says about a post. Its JSON is
// the contract of `kaval analyze` and of the API.
type Analysis struct {
	Lang           string     `json:"lang"`   // BCP-47: en, kn, kn-Latn, hi, hi-Latn, ta-Latn, ml-Latn, ...
	Script         string     `json:"script"` // ISO 15924: Latn, Knda, Deva, Taml, Telu, Mlym, Arab, Zyyy
	CodeMixed      bool       `json:"code_mixed"`
	Sentiment      Sentiment  `json:"sentiment"`
	Offensive      Flag       `json:"offensive"`
	Emergency      Flag       `json:"emergency"`
	Complaint      Flag       `json:"complaint"`
	Categories     []Category `json:"categories"`
	Urgency        int        `json:"urgency"` // 0..100
	Places         []Place    `json:"places"`
	Station        *string    `json:"station"`         // best law-and-order station, exactly as named in the jurisdiction pack
	TrafficStation *string    `json:"traffic_station"` // best traffic police station
	Ward           *string    `json:"ward,omitempty"`
	PII            []Span     `json:"pii"`
	SimHash        string     `json:"simhash"` // 16 lowercase hex digits
	ModelVersion   string     `json:"model_version,omitempty"`
}

// Sentiment label is negative, neutral or positive; Score is in -1..1.
type Sentiment struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// Flag is a binary decision with its confidence in 0..1.
type Flag struct {
	Label bool    `json:"label"`
	Score float64 `json:"score"`
}

// Category is one label of the police taxonomy with its score in 0..1.
type Category struct {
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

// Place is a locality found in the text (or from coordinates), resolved
// through the jurisdiction pack. Start and End are byte offsets into the
// post text; both are 0 for a place derived from coordinates.
type Place struct {
	Text           string  `json:"text"`
	Start          int     `json:"start"`
	End            int     `json:"end"`
	Ward           string  `json:"ward,omitempty"`
	Station        string  `json:"station,omitempty"`
	TrafficStation string  `json:"traffic_station,omitempty"`
	Lat            float64 `json:"lat"`
	Lon            float64 `json:"lon"`
	Confidence     float64 `json:"confidence"`
	Source         string  `json:"source,omitempty"` // text, coordinates, author_location
	// Stations lists the plausible law-and-order stations, best first,
	// when the place is an area (a ward-sized locality) that more than
	// one station's boundary covers: Share is the part of the area in
	// each. Empty when one station holds the place. Station is usually
	// the first; it is another listed station when a second place of the
	// same post lies wholly in that one (internal/analyze/place, coMention).
	Stations []StationShare `json:"stations,omitempty"`
}

// StationShare is one station's part of an area place.
type StationShare struct {
	Station string  `json:"station"`
	Share   float64 `json:"share"`
}

// Span marks personal data for redaction: byte offsets into the text.
type Span struct {
	Type  string `json:"type"` // phone, aadhaar, pan, vehicle, email, url, fir
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Best category name, or "" when there is none.
func (a *Analysis) TopCategory() string {
	if a == nil || len(a.Categories) == 0 {
		return ""
	}
	best := a.Categories[0]
	for _, c := range a.Categories[1:] {
		if c.Score > best.Score {
			best = c
		}
	}
	return best.Name
}

// Analyzer understands one post. It must be pure and safe for concurrent
// use: intake runs it in its callers' goroutines, the pipeline on every
// core.
type Analyzer func(p *Post) Analysis

// Run analyses p, turning a panic in a model into an error so that one
// pathological post cannot stop intake or the pipeline.
func (an Analyzer) Run(p *Post) (a Analysis, err error) {
	defer func() {
		if r := recover(); r != nil {
			a, err = Analysis{}, fmt.Errorf("post: analysis panicked: %v", r)
		}
	}()
	return an(p), nil
}
