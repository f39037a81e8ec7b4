// Package bustest starts a real NATS JetStream server inside a test, so the
// scale-out path is tested against the real broker without a service on
// the machine. It lives apart from package bus so the kaval binary does not
// link the NATS server.
package bustest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// StartNATS starts an embedded JetStream server on a random loopback port
// with its store in a temp dir, and returns its client URL.
func StartNATS(t testing.TB) string {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats: not ready")
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL()
}
