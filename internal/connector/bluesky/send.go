package bluesky

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// Post text limits from the app.bsky.feed.post lexicon.
const (
	MaxGraphemes = 300
	MaxBytes     = 3000
)

var (
	// A handle is a domain name; it follows start of text, a space or "(".
	mentionRe = regexp.MustCompile(`(?:^|[\s(])(@(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)`)
	linkRe    = regexp.MustCompile(`(?:^|[\s(])(https?://[^\s]+)`)
	// A tag is '#' then anything up to space or punctuation, not all digits.
	tagRe = regexp.MustCompile(`(?:^|\s)([#＃][^\s\p{P}\p{S}]+)`)
)

// Facets finds mentions, links and hashtags in text and returns facets
// with UTF-8 byte offsets (Go string indexes are bytes, which is what the
// lexicon wants — not runes, not UTF-16). resolve maps a handle to a DID;
// mentions it cannot resolve get no facet.
func Facets(text string, resolve func(handle string) string) []Facet {
	var out []Facet
	for _, m := range mentionRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		if resolve == nil {
			continue
		}
		if did := resolve(text[start+1 : end]); did != "" {
			out = append(out, Facet{Index: ByteSlice{start, end}, Features: []Feature{{Type: FeatureMention, DID: did}}})
		}
	}
	for _, m := range linkRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		// Trailing punctuation belongs to the sentence, not the URL.
		for end > start && strings.ContainsRune(".,;:!?)'\"", rune(text[end-1])) {
			end--
		}
		if _, err := url.ParseRequestURI(text[start:end]); err != nil {
			continue
		}
		out = append(out, Facet{Index: ByteSlice{start, end}, Features: []Feature{{Type: FeatureLink, URI: text[start:end]}}})
	}
	for _, m := range tagRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		tag := text[start:end]
		_, size := utf8.DecodeRuneInString(tag) // '#' or the full-width '＃'
		tag = tag[size:]
		if strings.Trim(tag, "0123456789") == "" || uniseg.GraphemeClusterCount(tag) > 64 {
			continue
		}
		out = append(out, Facet{Index: ByteSlice{start, end}, Features: []Feature{{Type: FeatureTag, Tag: tag}}})
	}
	return out
}

// CheckText enforces the lexicon limits before sending. Graphemes are
// extended grapheme clusters (uniseg, Unicode 15.0): a Kannada or
// Devanagari conjunct (consonant, virama, consonant) counts 2 where a
// Unicode 15.1 segmenter joins it into 1, so the count errs high and a
// post we accept is never refused for length by the PDS.
func CheckText(text string) error {
	if strings.TrimSpace(text) == "" {
		return connector.Refuse(post.Bluesky, connector.FieldText, "text is empty")
	}
	if n := uniseg.GraphemeClusterCount(text); n > MaxGraphemes {
		return connector.Refuse(post.Bluesky, connector.FieldText, fmt.Sprintf("text is %d graphemes, limit %d", n, MaxGraphemes))
	}
	if len(text) > MaxBytes {
		return connector.Refuse(post.Bluesky, connector.FieldText, fmt.Sprintf("text is %d bytes, limit %d", len(text), MaxBytes))
	}
	return nil
}

func init() {
	connector.RegisterValidator(post.Bluesky, func(connector.Channel) (connector.Validator, error) { return rules{}, nil })
}

// rules are Bluesky's checks of an outgoing message that need no
// network; the Connector embeds them (connector.Validator).
type rules struct{}

// ValidateReply checks a reply: an at:// parent, the lexicon's text
// limits, no media.
func (rules) ValidateReply(t connector.Target, m connector.Message) error {
	if !strings.HasPrefix(t.ParentID, "at://") {
		return connector.Refuse(post.Bluesky, connector.FieldTarget, fmt.Sprintf("parent must be an at:// URI, got %q", t.ParentID))
	}
	return rules{}.ValidatePublish(m)
}

// ValidatePublish checks a post on our account.
func (rules) ValidatePublish(m connector.Message) error {
	if err := CheckText(m.Text); err != nil {
		return err
	}
	return conn.NoMedia(post.Bluesky, m)
}

type createRecordReq struct {
	Repo       string     `json:"repo"`
	Collection string     `json:"collection"`
	RKey       string     `json:"rkey,omitempty"`
	Record     PostRecord `json:"record"`
}

type createRecordRes struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// postView is the part of app.bsky.feed.getPosts we need.
type postView struct {
	URI    string     `json:"uri"`
	CID    string     `json:"cid"`
	Record PostRecord `json:"record"`
}

// Reply answers the post t.ParentID (an at:// URI) in its thread. The
// strongRefs come from t.Extra (parent_cid, root_uri, root_cid) when the
// outbox has them, else from app.bsky.feed.getPosts.
func (c *Connector) Reply(ctx context.Context, t connector.Target, m connector.Message) (connector.Result, error) {
	if err := c.ValidateReply(t, m); err != nil {
		return connector.Result{}, err
	}
	parent := StrongRef{URI: t.ParentID, CID: t.Extra["parent_cid"]}
	root := StrongRef{URI: t.Extra["root_uri"], CID: t.Extra["root_cid"]}
	if root.URI == "" && t.ThreadID != "" && t.ThreadID != t.ParentID && strings.HasPrefix(t.ThreadID, "at://") {
		root.URI = t.ThreadID
	}
	if parent.CID == "" || root.CID == "" {
		uris := []string{parent.URI}
		if root.URI != "" && root.URI != parent.URI {
			uris = append(uris, root.URI)
		}
		var res struct {
			Posts []postView `json:"posts"`
		}
		if err := c.call(ctx, "app.bsky.feed.getPosts", url.Values{"uris": uris}, nil, &res); err != nil {
			c.health.Fail(err)
			return connector.Result{}, err
		}
		for _, pv := range res.Posts {
			switch pv.URI {
			case parent.URI:
				parent.CID = pv.CID
				if root.URI == "" {
					if pv.Record.Reply != nil && pv.Record.Reply.Root.URI != "" {
						root = pv.Record.Reply.Root
					} else {
						root = StrongRef{URI: pv.URI, CID: pv.CID}
					}
				}
			case root.URI:
				root.CID = pv.CID
			}
		}
		if root.URI == parent.URI {
			root.CID = parent.CID
		}
		if parent.CID == "" || root.CID == "" {
			return connector.Result{}, &connector.Error{Class: connector.Permanent, Platform: post.Bluesky, Code: "NotFound", Message: "parent or root post not found"}
		}
	}
	return c.create(ctx, m, &ReplyRef{Root: root, Parent: parent})
}

// Publish posts on our account.
func (c *Connector) Publish(ctx context.Context, m connector.Message) (connector.Result, error) {
	if err := c.ValidatePublish(m); err != nil {
		return connector.Result{}, err
	}
	return c.create(ctx, m, nil)
}

// create writes the post. With an idempotency key the record key is
// derived from it (RecordKey), which makes a retry safe even when an
// earlier attempt's outcome is unknown: the PDS holds at most one record
// per key, and before writing we look for the record an earlier attempt
// may have left. Without a key the PDS picks the key and a send whose
// answer was lost is Unknown, for a person to check.
func (c *Connector) create(ctx context.Context, m connector.Message, reply *ReplyRef) (connector.Result, error) {
	s, err := c.currentSession(ctx)
	if err != nil {
		c.health.Fail(err)
		return connector.Result{}, err
	}
	req := createRecordReq{Repo: s.DID, Collection: PostCollection, Record: PostRecord{
		Type:      PostCollection,
		Text:      m.Text,
		CreatedAt: c.deps.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		Reply:     reply,
		Facets:    Facets(m.Text, func(h string) string { return c.resolveHandle(ctx, h) }),
	}}
	if m.IdempotencyKey != "" {
		req.RKey = RecordKey(m.IdempotencyKey, m.QueuedAt)
		if res, ok, err := c.existing(ctx, s, req.RKey); err != nil {
			c.health.Fail(err)
			return connector.Result{}, err
		} else if ok {
			c.health.Count("send_already_landed", 1)
			return res, nil
		}
	}
	var res createRecordRes
	err = c.call(ctx, "com.atproto.repo.createRecord", nil, req, &res)
	if err != nil && req.RKey != "" {
		// A lost answer, or the PDS refusing a key that is taken (it
		// answers 500 for that): the record may be there.
		if got, ok, gerr := c.existing(ctx, s, req.RKey); gerr == nil && ok {
			c.health.Count("send_already_landed", 1)
			return got, nil
		}
		var ce *connector.Error
		if errors.As(err, &ce) && ce.Class == connector.Unknown {
			// Not blind: the next attempt looks for the record first, and
			// the PDS refuses a second record under the same key.
			ce.Class = connector.Retryable
		}
	}
	if err != nil {
		c.health.Fail(err)
		return connector.Result{}, err
	}
	return c.result(s, res.URI), nil
}

func (c *Connector) result(s *session, uri string) connector.Result {
	out := connector.Result{ExternalID: uri}
	if i := strings.LastIndexByte(uri, '/'); i >= 0 {
		out.URL = "https://bsky.app/profile/" + s.Handle + "/post/" + uri[i+1:]
	}
	return out
}

// existing looks for our post under rkey (com.atproto.repo.getRecord);
// ok is false when the PDS answers RecordNotFound.
func (c *Connector) existing(ctx context.Context, s *session, rkey string) (connector.Result, bool, error) {
	var got struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	q := url.Values{"repo": {s.DID}, "collection": {PostCollection}, "rkey": {rkey}}
	err := c.call(ctx, "com.atproto.repo.getRecord", q, nil, &got)
	switch {
	case isCode(err, "RecordNotFound"):
		return connector.Result{}, false, nil
	case err != nil:
		return connector.Result{}, false, err
	case got.URI == "":
		return connector.Result{}, false, &connector.Error{Class: connector.Retryable, Platform: post.Bluesky, Message: "getRecord answered without a uri"}
	}
	return c.result(s, got.URI), true, nil
}

// RecordKey derives a post's record key from the outbox idempotency key
// and the time the row was queued. Posts use TID keys (the AppView indexes
// nothing else): 53 bits of microseconds since 1970 and a 10-bit clock id,
// in base32-sortable, 13 characters. The microseconds are the queue time's
// millisecond plus a hash-chosen offset below it and the clock id comes
// from the hash too, so two rows queued in the same millisecond collide
// only when 20 bits of their hashes agree, while the key still sorts by
// time like the PDS's own.
func RecordKey(idempotencyKey string, queued time.Time) string {
	h := sha256.Sum256([]byte(idempotencyKey))
	n := binary.BigEndian.Uint64(h[:8])
	us := uint64(0)
	if !queued.IsZero() && queued.UnixMilli() > 0 {
		us = uint64(queued.UnixMilli()) * 1000
	}
	us += n % 1000
	v := (us<<10 | (n>>10)&1023) & (1<<63 - 1)
	const chars = "234567abcdefghijklmnopqrstuvwxyz"
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = chars[v&31]
		v >>= 5
	}
	return string(b[:])
}

// resolveHandle returns the DID of a handle, "" when unknown.
func (c *Connector) resolveHandle(ctx context.Context, handle string) string {
	var res struct {
		DID string `json:"did"`
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.raw(ctx, "com.atproto.identity.resolveHandle", url.Values{"handle": {handle}}, nil, "", &res); err != nil {
		return ""
	}
	if !strings.HasPrefix(res.DID, "did:") {
		return ""
	}
	return res.DID
}
