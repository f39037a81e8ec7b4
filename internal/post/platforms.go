package post

import "slices"

// Platforms lists every platform the desk knows, in a stable order.
var Platforms = []string{X, Facebook, Instagram, Messenger, WhatsApp, Telegram, Mastodon, Bluesky, RSS, WebForm, Import}

// KnownPlatform says whether name is one of Platforms. Intake paths that
// take the platform from their input (an import file) check it, so a typo
// does not store posts no filter, connector or reply can ever reach.
func KnownPlatform(name string) bool { return slices.Contains(Platforms, name) }
