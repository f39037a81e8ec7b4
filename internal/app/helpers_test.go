package app

import (
	"net/url"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

func urlq(s string) string { return url.QueryEscape(s) }

// pgDSN is the connection URL of a test schema, password included (the
// test role has one), for a second replica or a child process.
func pgDSN(t *testing.T, db *store.DB) string {
	t.Helper()
	return db.ConnURL()
}

func formPost(text string) post.Post {
	return post.Post{Platform: post.WebForm, Kind: post.KindForm, ExternalID: "form-" + time.Now().Format("150405.000000000"),
		Private: true, Author: post.Author{ExternalID: "anon-1", Name: "Citizen"}, Text: text}
}
