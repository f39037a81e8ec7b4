package bluesky

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var eventSeeds = []string{
	`{"did":"did:plc:abcd1234residentxyz","time_us":1787217900123456,"cursor":5123456789,"kind":"commit","commit":{"rev":"3lxyzabc2kd2c","operation":"create","collection":"app.bsky.feed.post","rkey":"3lxyzab7tqs2a","cid":"bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy","record":{"$type":"app.bsky.feed.post","text":"@springfieldpd.bsky.social fireworks in the park #springfield","facets":[{"index":{"byteStart":0,"byteEnd":26},"features":[{"$type":"app.bsky.richtext.facet#mention","did":"did:plc:police000springfield"}]}],"reply":{"root":{"uri":"at://did:plc:police000springfield/app.bsky.feed.post/3lxyza1111111","cid":"bafyreiaaaa"},"parent":{"uri":"at://did:plc:police000springfield/app.bsky.feed.post/3lxyza1111111","cid":"bafyreiaaaa"}},"langs":["en"],"createdAt":"2026-08-20T09:25:00.000Z"}}}`,
	`{"did":"did:plc:x","time_us":1,"kind":"identity","identity":{"did":"did:plc:x","handle":"x.test","seq":1,"time":"2026-01-01T00:00:00Z"}}`,
	`{"did":"did:plc:x","time_us":2,"kind":"account","account":{"did":"did:plc:x","active":false,"status":"deleted"}}`,
	`{"did":"did:plc:x","time_us":3,"kind":"commit","commit":{"operation":"delete","collection":"app.bsky.feed.post","rkey":"3k"}}`,
	`{"did":"did:plc:x","time_us":4,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3k","record":{"text":"quote","createdAt":"2999-01-01T00:00:00Z","embed":{"$type":"app.bsky.embed.recordWithMedia","record":{"record":{"uri":"at://did:plc:police000springfield/app.bsky.feed.post/1","cid":"c"}}}}}}`,
	`{"did":"did:plc:x","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3k","record":"not an object"}}`,
	`{"did":`, `[]`, `{"time_us":-1}`,
	`{"did":"did:plc:x","time_us":6,"kind":"commit","commit":{"rev":"r2","operation":"update","collection":"app.bsky.feed.post","rkey":"3k","cid":"c2","record":{"$type":"app.bsky.feed.post","text":"pothole, edited","createdAt":"2026-08-20T09:25:00.000Z"}}}`,
}

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range eventSeeds {
		f.Add([]byte(s))
	}
	m := NewMatcher("did:plc:police000springfield", "springfieldpd.bsky.social", []string{"Pothole", "ಕಳ್ಳತನ"})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := DecodeEvent(b)
		if err != nil {
			return
		}
		if d, ok := ev.DeletionOf(b); ok && (!strings.HasPrefix(d.ExternalID, "at://") || d.Op != "delete") {
			t.Fatalf("bad deletion %+v", d)
		}
		r, ok := ev.PostOf()
		if !ok {
			return
		}
		kind, ok := m.Match(ev.DID, r)
		if !ok {
			kind = "post"
		}
		seen := time.UnixMicro(ev.TimeUS)
		p := Normalize(ev.URI(), ev.DID, "", "", r, b, "c", kind, seen)
		if !strings.HasPrefix(p.ExternalID, "at://") || !utf8.ValidString(p.Text) || p.ThreadID == "" {
			t.Fatalf("bad post %+v", p)
		}
		if p.CreatedAt.After(seen.Add(maxClockSkew)) {
			t.Fatalf("trusted a future createdAt: %v vs %v", p.CreatedAt, seen)
		}
	})
}

func FuzzFacets(f *testing.F) {
	f.Add("ನಮಸ್ಕಾರ @jo.bsky.social see https://x.test/a?b=1. #ಬೆಂಗಳೂರು #42")
	f.Add("(https://a.b) #tag@x.y @@a.b #")
	f.Fuzz(func(t *testing.T, text string) {
		for _, fc := range Facets(text, func(string) string { return "did:plc:x" }) {
			if fc.Index.ByteStart < 0 || fc.Index.ByteEnd > len(text) || fc.Index.ByteStart >= fc.Index.ByteEnd {
				t.Fatalf("bad range %+v in %q", fc.Index, text)
			}
			if utf8.ValidString(text) && !utf8.ValidString(text[fc.Index.ByteStart:fc.Index.ByteEnd]) {
				t.Fatalf("facet splits a character: %+v in %q", fc.Index, text)
			}
		}
	})
}

func BenchmarkDecodeMatchNormalize(b *testing.B) {
	raw := []byte(eventSeeds[0])
	m := NewMatcher("did:plc:police000springfield", "springfieldpd.bsky.social", []string{"pothole"})
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		ev, err := DecodeEvent(raw)
		if err != nil {
			b.Fatal(err)
		}
		r, _ := ev.PostOf()
		kind, ok := m.Match(ev.DID, r)
		if !ok {
			b.Fatal("no match")
		}
		Normalize(ev.URI(), ev.DID, "", "", r, raw, "c", kind, time.UnixMicro(ev.TimeUS))
	}
}

// Most Jetstream traffic is other people's posts: the reject path matters.
func BenchmarkDecodeReject(b *testing.B) {
	raw := []byte(strings.NewReplacer("did:plc:police000springfield", "did:plc:someoneelse", "@springfieldpd", "@someoneelse").Replace(eventSeeds[0]))
	m := NewMatcher("did:plc:police000springfield", "springfieldpd.bsky.social", []string{"pothole"})
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		ev, _ := DecodeEvent(raw)
		r, _ := ev.PostOf()
		if _, ok := m.Match(ev.DID, r); ok {
			b.Fatal("matched")
		}
	}
}
