package conn

import (
	"fmt"
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
