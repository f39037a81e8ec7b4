package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSimulateCommand(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/hooks/") {
			t.Errorf("path %s", r.URL.Path)
		}
		hits.Add(1)
	}))
	defer srv.Close()
	chans := filepath.Join(t.TempDir(), "channels.json")
	os.WriteFile(chans, []byte(`{"x": {"channel_id": "1"}, "telegram": {"channel_id": "2", "secret": "tg"}}`), 0o600)

	var out, errb bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := runMain(context.Background(), env, []string{"simulate", "--target", srv.URL, "--rate", "10000", "--count", "40",
		"--channels", chans, "--token", "secret", "--json", "--burst", "flood@Koramangala"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Events, Requests, Accepted int64
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.Events != 40 || rep.Accepted != rep.Requests || hits.Load() != rep.Requests {
		t.Fatalf("%+v, %d hits", rep, hits.Load())
	}

	out.Reset()
	code = runMain(context.Background(), env, []string{"simulate", "--target", srv.URL, "--rate", "10000", "--count", "5", "--channel-ids", "0,0,0,0,0,9", "--token", "s"})
	if code != 0 || !strings.Contains(out.String(), "telegram") {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	for _, bad := range [][]string{
		{"simulate"},
		{"simulate", "--target", srv.URL, "--count", "1"},
		{"simulate", "--target", srv.URL, "--count", "1", "--channel-ids", "1", "--burst", "picnic"},
		{"simulate", "--target", srv.URL, "--count", "1", "--channel-ids", "1", "--mix", "x=abc"},
	} {
		if code := runMain(context.Background(), env, bad); code == 0 {
			t.Errorf("%v: exit 0", bad)
		}
	}
}
