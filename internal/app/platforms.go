package app

// Every platform connector registers itself with the connector package in
// its init; importing them here is what makes them available to channels.
import (
	_ "github.com/kaval-desk/kaval/internal/connector/bluesky"
	_ "github.com/kaval-desk/kaval/internal/connector/mastodon"
	_ "github.com/kaval-desk/kaval/internal/connector/meta"
	_ "github.com/kaval-desk/kaval/internal/connector/rss"
	_ "github.com/kaval-desk/kaval/internal/connector/telegram"
	_ "github.com/kaval-desk/kaval/internal/connector/whatsapp"
	_ "github.com/kaval-desk/kaval/internal/connector/x"
)
