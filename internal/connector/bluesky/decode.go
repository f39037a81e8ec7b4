package bluesky

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// PostCollection is the NSID of posts.
const PostCollection = "app.bsky.feed.post"

// Event is one Jetstream v1 frame.
type Event struct {
	DID      string    `json:"did"`
	TimeUS   int64     `json:"time_us"`
	Kind     string    `json:"kind"` // commit, identity, account
	Commit   *Commit   `json:"commit,omitempty"`
	Identity *Identity `json:"identity,omitempty"`
	Account  *AcctInfo `json:"account,omitempty"`
}

// Commit is a repo write.
type Commit struct {
	Rev        string          `json:"rev"`
	Operation  string          `json:"operation"` // create, update, delete
	Collection string          `json:"collection"`
	RKey       string          `json:"rkey"`
	Record     json.RawMessage `json:"record,omitempty"`
	CID        string          `json:"cid,omitempty"`
}

// Identity is a handle change.
type Identity struct {
	DID    string `json:"did"`
	Handle string `json:"handle"`
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
}

// AcctInfo is an account status change.
type AcctInfo struct {
	DID    string `json:"did"`
	Active bool   `json:"active"`
	Status string `json:"status,omitempty"`
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
}

// StrongRef points at one version of a record.
type StrongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// ReplyRef is a post's place in a thread.
type ReplyRef struct {
	Root   StrongRef `json:"root"`
	Parent StrongRef `json:"parent"`
}

// ByteSlice is a facet's range in UTF-8 bytes, end exclusive.
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// Feature is a facet feature: #mention {did}, #link {uri}, #tag {tag}.
type Feature struct {
	Type string `json:"$type"`
	DID  string `json:"did,omitempty"`
	URI  string `json:"uri,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

// Facet annotates a byte range of the text.
type Facet struct {
	Index    ByteSlice `json:"index"`
	Features []Feature `json:"features"`
}

// PostRecord is an app.bsky.feed.post record.
type PostRecord struct {
	Type      string          `json:"$type"`
	Text      string          `json:"text"`
	CreatedAt string          `json:"createdAt"`
	Langs     []string        `json:"langs,omitempty"`
	Facets    []Facet         `json:"facets,omitempty"`
	Reply     *ReplyRef       `json:"reply,omitempty"`
	Embed     json.RawMessage `json:"embed,omitempty"`
}

// Feature types.
const (
	FeatureMention = "app.bsky.richtext.facet#mention"
	FeatureLink    = "app.bsky.richtext.facet#link"
	FeatureTag     = "app.bsky.richtext.facet#tag"
)

const maxEventBytes = 2 << 20

// DecodeEvent parses one Jetstream frame.
func DecodeEvent(b []byte) (Event, error) {
	if len(b) > maxEventBytes {
		return Event{}, errors.New("bluesky: event too large")
	}
	var e Event
	if err := json.Unmarshal(b, &e); err != nil {
		return Event{}, fmt.Errorf("bluesky: unable to decode event: %w", err)
	}
	if e.DID == "" || e.TimeUS <= 0 {
		return Event{}, errors.New("bluesky: event without did or time_us")
	}
	return e, nil
}

// PostOf returns the post record of a create or update commit, ok false
// for anything else (deletes, other collections, undecodable records).
func (e Event) PostOf() (PostRecord, bool) {
	if e.Kind != "commit" || e.Commit == nil || (e.Commit.Operation != "create" && e.Commit.Operation != "update") ||
		e.Commit.Collection != PostCollection || len(e.Commit.Record) == 0 || e.Commit.RKey == "" {
		return PostRecord{}, false
	}
	var r PostRecord
	if json.Unmarshal(e.Commit.Record, &r) != nil {
		return PostRecord{}, false
	}
	return r, true
}

// IsUpdate reports whether the event rewrites an existing record.
func (e Event) IsUpdate() bool { return e.Commit != nil && e.Commit.Operation == "update" }

// DeletionOf is the deletion a delete commit of a post record reports
// (deletes carry no record, so whose post it was is known only from the
// URI: intake ignores deletions of posts it never stored).
func (e Event) DeletionOf(raw []byte) (post.Change, bool) {
	if e.Kind != "commit" || e.Commit == nil || e.Commit.Operation != "delete" || e.Commit.Collection != PostCollection || e.Commit.RKey == "" {
		return post.Change{}, false
	}
	return post.Change{Platform: post.Bluesky, ExternalID: e.URI(), Op: post.ChangeDelete, At: time.UnixMicro(e.TimeUS).UTC(), Raw: json.RawMessage(raw)}, true
}

// URI of the event's record.
func (e Event) URI() string {
	if e.Commit == nil {
		return ""
	}
	return "at://" + e.DID + "/" + e.Commit.Collection + "/" + e.Commit.RKey
}

// Matcher decides which network posts concern the desk.
type Matcher struct {
	DID      string   // our DID
	Handle   string   // our handle, without @
	Keywords []string // already folded with textnorm.Fold
}

// NewMatcher folds keywords once.
func NewMatcher(did, handle string, keywords []string) Matcher {
	m := Matcher{DID: did, Handle: strings.TrimPrefix(strings.ToLower(handle), "@")}
	for _, k := range keywords {
		if k = textnorm.Fold(k); k != "" {
			m.Keywords = append(m.Keywords, k)
		}
	}
	return m
}

// Match returns the kind of post r is for us, ok false when it is not ours
// to see: mentions of our DID (facet) or handle (text), replies into our
// threads, quotes of our posts, or configured keywords. Our own posts never
// match.
func (m Matcher) Match(author string, r PostRecord) (string, bool) {
	if m.DID != "" && author == m.DID {
		return "", false
	}
	if m.DID != "" {
		prefix := "at://" + m.DID + "/"
		if r.Reply != nil && (strings.HasPrefix(r.Reply.Parent.URI, prefix) || strings.HasPrefix(r.Reply.Root.URI, prefix)) {
			return post.KindReply, true
		}
		for _, f := range r.Facets {
			for _, ft := range f.Features {
				if ft.Type == FeatureMention && ft.DID == m.DID {
					return post.KindMention, true
				}
			}
		}
		if q := quotedURI(r.Embed); strings.HasPrefix(q, prefix) {
			return post.KindMention, true
		}
	}
	if m.Handle == "" && len(m.Keywords) == 0 {
		return "", false
	}
	folded := textnorm.Fold(r.Text)
	if m.Handle != "" && strings.Contains(folded, "@"+m.Handle) {
		return post.KindMention, true
	}
	for _, k := range m.Keywords {
		if strings.Contains(folded, k) {
			return post.KindPost, true
		}
	}
	return "", false
}

// quotedURI is the record an embed quotes (record or recordWithMedia).
func quotedURI(embed json.RawMessage) string {
	if len(embed) == 0 {
		return ""
	}
	var e struct {
		Type   string          `json:"$type"`
		Record json.RawMessage `json:"record"`
	}
	if json.Unmarshal(embed, &e) != nil || len(e.Record) == 0 {
		return ""
	}
	var ref struct {
		URI    string          `json:"uri"`
		Record json.RawMessage `json:"record"`
	}
	if json.Unmarshal(e.Record, &ref) != nil {
		return ""
	}
	if ref.URI != "" {
		return ref.URI
	}
	if len(ref.Record) > 0 { // recordWithMedia: {record:{record:{uri,cid}}}
		var inner StrongRef
		if json.Unmarshal(ref.Record, &inner) == nil {
			return inner.URI
		}
	}
	return ""
}

// maxClockSkew bounds how far a client-declared createdAt may be ahead of
// when the network saw the post before we distrust it.
const maxClockSkew = 10 * time.Minute

// Normalize maps a post record to a post. seen is when the network saw it
// (Jetstream time_us or notification indexedAt); createdAt is
// client-declared and only trusted when it is not in the future of seen.
func Normalize(uri, authorDID, authorHandle, authorName string, r PostRecord, raw []byte, channel, kind string, seen time.Time) post.Post {
	p := post.Post{
		Platform:   post.Bluesky,
		ExternalID: uri,
		Kind:       kind,
		Channel:    channel,
		ThreadID:   uri,
		Author:     post.Author{ExternalID: authorDID, Handle: authorHandle, Name: textnorm.Clean(authorName)},
		Text:       textnorm.Clean(r.Text),
		CreatedAt:  seen.UTC(),
		Raw:        json.RawMessage(raw),
	}
	if len(r.Langs) > 0 {
		p.Lang = r.Langs[0]
	}
	if r.Reply != nil {
		p.InReplyTo = r.Reply.Parent.URI
		if r.Reply.Root.URI != "" {
			p.ThreadID = r.Reply.Root.URI
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, r.CreatedAt); err == nil && (seen.IsZero() || t.Before(seen.Add(maxClockSkew))) {
		p.CreatedAt = t.UTC()
	}
	ident := authorHandle
	if ident == "" {
		ident = authorDID
	}
	if rkey := uri[strings.LastIndexByte(uri, '/')+1:]; rkey != "" && ident != "" {
		p.URL = "https://bsky.app/profile/" + ident + "/post/" + rkey
		p.Author.URL = "https://bsky.app/profile/" + ident
	}
	return p
}
