package mastodon_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/post"
)

// hangUp accepts requests, reads them whole and closes the connection
// without answering: the status may or may not have been created.
func hangUp(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			if req, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
				io.Copy(io.Discard, req.Body)
			}
			conn.Close()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestSendOutcomeUnknownUnlessIdempotent(t *testing.T) {
	c, err := connector.New(connector.Channel{ID: 1, Platform: post.Mastodon, Config: map[string]string{"instance_url": hangUp(t)},
		Secrets: map[string]string{"access_token": "x"}}, connector.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(context.Background(), connector.Message{Text: "hello"}); connector.ClassOf(err) != connector.Unknown {
		t.Errorf("without Idempotency-Key: %v", err)
	}
	// With a key, Mastodon returns the same status on a retry: safe.
	if _, err := c.Publish(context.Background(), connector.Message{Text: "hello", IdempotencyKey: "k1"}); connector.ClassOf(err) != connector.Retryable {
		t.Errorf("with Idempotency-Key: %v", err)
	}
}
