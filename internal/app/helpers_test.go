package app

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

func urlq(s string) string { return url.QueryEscape(s) }

// pgDSN recovers the connection URL of a test schema: the store keeps the
// redacted DSN, which for the trust-auth test server is the URL itself.
func pgDSN(t *testing.T, db *store.DB) string {
	t.Helper()
	if strings.Contains(db.DSN, "xxxxx") {
		t.Skip("PostgreSQL URL with a password cannot be recovered from a redacted DSN")
	}
	return db.DSN
}

func formPost(text string) post.Post {
	return post.Post{Platform: post.WebForm, Kind: post.KindForm, ExternalID: "form-" + time.Now().Format("150405.000000000"),
		Private: true, Author: post.Author{ExternalID: "anon-1", Name: "Citizen"}, Text: text}
}
