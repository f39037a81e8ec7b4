package post

import (
	"encoding/json"
	"time"
)

// Operations of a Change.
const (
	ChangeEdit   = "edit"
	ChangeDelete = "delete"
)

// Change is an edit or a deletion of an item a platform delivered before:
// Telegram's edited_message, a Facebook feed "edited" or "remove" verb,
// Messenger's message_edit and unsent messages, Mastodon's status.update
// and delete events, Bluesky's update and delete commits, X's deletion
// notices. It is a different event for the same post, so intake never
// de-duplicates it away on (platform, external id): it applies it to the
// stored post (internal/ingest).
type Change struct {
	Platform   string `json:"platform"`
	ExternalID string `json:"external_id"`
	Op         string `json:"op"`             // ChangeEdit or ChangeDelete
	Text       string `json:"text,omitempty"` // the new text of an edit
	// At is when the platform says the change happened (edit_date,
	// edited_at, the webhook's time); zero means when we received it.
	At  time.Time       `json:"at"`
	Raw json.RawMessage `json:"raw,omitempty"` // the platform payload, kept as evidence
	// Post is the whole edited item when the platform sends one. An edit
	// of an item that never reached us (sent before the channel was
	// connected, or delivered out of order) is then stored as a new post
	// instead of being lost.
	Post *Post `json:"post,omitempty"`
	// PurgeWithin is how soon the platform's terms ask that the content of
	// a deleted item be removed from our systems; zero leaves it to the
	// desk's retention for deleted posts' text. Set by the connector,
	// which is where the platform's terms are known.
	PurgeWithin time.Duration `json:"purge_within,omitempty"`
}
