package conn

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Str returns cfg[key] trimmed, or def when empty.
func Str(cfg map[string]string, key, def string) string {
	if v := strings.TrimSpace(cfg[key]); v != "" {
		return v
	}
	return def
}

// Duration parses cfg[key] as a Go duration ("250ms", "1m"), def when
// empty. Tuning keys exist so tests and the simulator can shrink the
// platforms' minute-long waits.
func Duration(cfg map[string]string, key string, def time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(cfg[key])
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("conn: config %s: invalid duration %q", key, v)
	}
	return d, nil
}

// BaseURL trims a trailing slash so paths can be appended.
func BaseURL(cfg map[string]string, key, def string) string {
	return strings.TrimRight(Str(cfg, key, def), "/")
}

// LenientDuration parses cfg[key] as a Go duration, or as a plain integer
// number of seconds ("30" = 30s); def when empty. The value is not trimmed,
// and a malformed value returns time.ParseDuration's error unwrapped so the
// caller can name the key. Used by the Bluesky, Mastodon, RSS and Telegram
// connectors, whose config has always accepted bare seconds.
func LenientDuration(cfg map[string]string, key string, def time.Duration) (time.Duration, error) {
	v := cfg[key]
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, err2 := strconv.Atoi(v)
		if err2 != nil || n < 0 {
			return 0, err
		}
		d = time.Duration(n) * time.Second
	}
	return d, nil
}
