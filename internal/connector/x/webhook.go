package x

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// Webhook returns the Account Activity API handler: GET answers the CRC
// challenge, POST verifies x-twitter-webhooks-signature over the raw body,
// ingests, and answers 200 only once the Sink accepted the posts.
func (c *Connector) Webhook() http.Handler {
	if c.consumerSecret == "" {
		return nil
	}
	return http.HandlerFunc(c.serveWebhook)
}

func (c *Connector) serveWebhook(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		tok := r.URL.Query().Get("crc_token")
		if tok == "" {
			http.Error(w, "missing crc_token", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"response_token": conn.SignBase64([]byte(c.consumerSecret), []byte(tok))})
	case http.MethodPost:
		log := c.deps.Log
		body, err := conn.ReadWebhook(w, r, conn.MaxWebhookBody)
		if err != nil {
			conn.RefuseRead(w, r, log, c.health, post.X, err)
			return
		}
		sig := r.Header.Get("x-twitter-webhooks-signature")
		if sig == "" {
			conn.Refuse(w, r, log, c.health, post.X, conn.ReasonMissingSignature, http.StatusUnauthorized, "missing signature")
			return
		}
		if !conn.VerifyBase64([]byte(c.consumerSecret), body, sig) {
			conn.Refuse(w, r, log, c.health, post.X, conn.ReasonBadSignature, http.StatusForbidden, "bad signature")
			return
		}
		hook, err := DecodeWebhook(body, c.deps.Now().UTC())
		if err != nil {
			conn.RefuseMalformed(w, r, log, c.health, post.X, err)
			return
		}
		conn.Skipped(log, c.health, post.X, hook.Skipped)
		conn.Ignored(c.health, post.X, hook.Ignored)
		if len(hook.Posts) > 0 {
			if err := c.deps.Sink.Ingest(r.Context(), hook.Posts); err != nil {
				c.logErr("x: webhook ingest", err)
				// Not durable: make X redeliver.
				http.Error(w, "unable to store", http.StatusServiceUnavailable)
				return
			}
			c.health.Event(c.deps.Now())
		}
		if err := connector.ApplyChanges(r.Context(), c.deps.Sink, hook.Changes); err != nil {
			if !errors.Is(err, connector.ErrNoChangeSink) {
				c.logErr("x: webhook deletions", err)
				http.Error(w, "unable to store", http.StatusServiceUnavailable)
				return
			}
			conn.Ignored(c.health, post.X, len(hook.Changes))
		}
		w.WriteHeader(http.StatusOK)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
