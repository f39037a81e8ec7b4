package scenario

import "github.com/kaval-desk/kaval/internal/post"

// Post is the post a connector would have made of e, for tests and
// benchmarks that put a stream straight into a store (no wire format):
// ids are prefixed "sim-", and direct messages are private.
func (e Event) Post() post.Post {
	p := post.Post{
		Platform: e.Platform, ExternalID: "sim-" + e.ID, Kind: e.Kind, Channel: "sim",
		Author: post.Author{ExternalID: e.AuthorID, Handle: e.AuthorHandle, Name: e.AuthorName},
		Text:   e.Text, Lat: e.Lat, Lon: e.Lon, CreatedAt: e.At, ReceivedAt: e.At,
	}
	if e.ReplyTo != "" {
		p.InReplyTo = "sim-" + e.ReplyTo
	}
	if e.Kind == post.KindDirectMessage || e.Platform == post.WhatsApp || e.Platform == post.Messenger {
		p.Private, p.ThreadID = true, "sim-"+e.ThreadKey
	}
	return p
}
