// Package fakes connects the simulator to the local fake servers of the
// platforms the desk pulls from (X mentions and filtered stream, Mastodon,
// Bluesky Jetstream, RSS), so `kaval demo` and `kaval bench` can drive the
// real pull connectors in-process. Each adapter is a simulate.Injector.
package fakes

import (
	"context"
	"fmt"
	"html"
	"strings"
	"sync"

	"github.com/kaval-desk/kaval/internal/connector/bluesky"
	"github.com/kaval-desk/kaval/internal/connector/bluesky/bskyfake"
	"github.com/kaval-desk/kaval/internal/connector/mastodon/mastofake"
	"github.com/kaval-desk/kaval/internal/connector/rss/rssfake"
	"github.com/kaval-desk/kaval/internal/connector/x/xfake"
	"github.com/kaval-desk/kaval/internal/simulate"
	"github.com/kaval-desk/kaval/internal/simulate/scenario"
)

// XMentions stores events in the fake's timeline, where the X connector's
// mentions/search polling finds them. When stream is true they are also
// pushed to open filtered-stream connections.
func XMentions(s *xfake.Server, stream bool) simulate.Injector {
	return simulate.InjectorFunc(func(_ context.Context, e scenario.Event) error {
		t := xfake.Tweet{ID: e.ID, Text: e.Text, AuthorID: e.AuthorID, Username: e.AuthorHandle, Name: e.AuthorName,
			InReplyToID: e.ReplyTo, CreatedAt: e.At.UTC(), Lat: e.Lat, Lon: e.Lon, Lang: xLang(e.Lang)}
		if stream {
			s.StreamPost(t)
		} else {
			s.AddTweet(t)
		}
		return nil
	})
}

func xLang(l string) string {
	switch l {
	case scenario.LangEnglish, scenario.LangKannada, scenario.LangHindi:
		return l
	}
	return "und"
}

// Mastodon posts events as mentions of our account from remote accounts on
// a handful of instances; direct messages get visibility "direct" and
// replies point at their parent's status.
func Mastodon(s *mastofake.Server) simulate.Injector {
	var mu sync.Mutex
	ids := map[string]string{} // event id → status id
	instances := []string{"mastodon.social", "sigmoid.social", "mastodon.online", "fosstodon.org"}
	return simulate.InjectorFunc(func(_ context.Context, e scenario.Event) error {
		from := s.Account(strings.ReplaceAll(e.AuthorHandle, ".", "_"), instances[e.Seq%int64(len(instances))])
		from.DisplayName = e.AuthorName
		o := mastofake.MentionOpts{Language: strings.SplitN(e.Lang, "-", 2)[0]}
		if e.Kind == scenario.KindDM {
			o.Visibility = "direct"
		}
		mu.Lock()
		o.InReplyToID = ids[e.ReplyTo]
		mu.Unlock()
		content := "<p>" + strings.ReplaceAll(html.EscapeString(e.Text), "\n", "<br>") + "</p>"
		_, id := s.AddMention(from, content, o)
		mu.Lock()
		if len(ids) > 10000 {
			clear(ids) // the generator only replies to recent events
		}
		ids[e.ID] = id
		mu.Unlock()
		return nil
	})
}

// Bluesky emits events as Jetstream post commits. "@<force handle>" in the
// text becomes a mention facet of our account (ourHandle, ourDID), as the
// Bluesky app writes it; replies carry root and parent strong refs.
func Bluesky(s *bskyfake.Server, ourHandle, ourDID, forceHandle string) simulate.Injector {
	type ref struct{ root, self bluesky.StrongRef }
	var mu sync.Mutex
	refs := map[string]ref{}
	dids := map[string]string{}
	return simulate.InjectorFunc(func(_ context.Context, e scenario.Event) error {
		handle := strings.ToLower(strings.ReplaceAll(e.AuthorHandle, "_", "-")) + ".bsky.social"
		mu.Lock()
		did, ok := dids[handle]
		if !ok {
			did = s.AddAccount(handle, "app-password-"+e.AuthorID)
			dids[handle] = did
		}
		parent, hasParent := refs[e.ReplyTo]
		mu.Unlock()
		text := strings.ReplaceAll(e.Text, "@"+forceHandle, "@"+ourHandle)
		var facets []bluesky.Facet
		if i := strings.Index(text, "@"+ourHandle); i >= 0 {
			facets = append(facets, bluesky.Facet{Index: bluesky.ByteSlice{ByteStart: i, ByteEnd: i + 1 + len(ourHandle)},
				Features: []bluesky.Feature{{Type: "app.bsky.richtext.facet#mention", DID: ourDID}}})
		}
		o := bskyfake.PostOpts{Facets: facets, Langs: []string{e.Lang}, CreatedAt: e.At}
		if hasParent {
			o.Reply = &bluesky.ReplyRef{Root: parent.root, Parent: parent.self}
		}
		uri, cid := s.EmitPost(did, text, o)
		self := bluesky.StrongRef{URI: uri, CID: cid}
		root := self
		if hasParent {
			root = parent.root
		}
		mu.Lock()
		if len(refs) > 10000 {
			clear(refs)
		}
		refs[e.ID] = ref{root: root, self: self}
		mu.Unlock()
		return nil
	})
}

// RSS adds events as feed items: a news headline as the title, with a
// GeoRSS point when the event has a location.
func RSS(s *rssfake.Server, siteURL string) simulate.Injector {
	return simulate.InjectorFunc(func(_ context.Context, e scenario.Event) error {
		it := rssfake.Item{GUID: "sim-" + e.ID, Title: e.Text, Link: strings.TrimRight(siteURL, "/") + "/news/" + e.ID,
			Description: "<p>" + html.EscapeString(e.Text) + "</p>", Author: e.AuthorName, Published: e.At.UTC()}
		if e.Lat != nil && e.Lon != nil {
			it.Point = fmt.Sprintf("%.6f %.6f", *e.Lat, *e.Lon)
		}
		s.AddItem(it)
		return nil
	})
}
