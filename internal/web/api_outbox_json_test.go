package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/post"
	"github.com/kaval-desk/kaval/internal/store"
)

// TestOutboxTargetJSONIsSnakeCase: the outbox item's target reads like
// the rest of the API (parent_id, thread_id, last_inbound_at), and a row
// stored before the target had JSON names (Go field names) reads the same.
func TestOutboxTargetJSONIsSnakeCase(t *testing.T) {
	store.ForEach(t, func(t *testing.T, db *store.DB) {
		r := newReplyEnv(t, db)
		xch := addChannel(t, db, "x", "BCP on X", "active", `{"mode":"webhook","user_id":"1500000000000000001"}`)
		caseID := r.onDesk(t, post.Post{Platform: post.X, ExternalID: "1790000000000000077", ChannelID: xch, Channel: "1500000000000000001",
			ThreadID: "1790000000000000077", Author: post.Author{ExternalID: "42", Handle: "meera_blr"},
			Text: "@BlrCityPolice signal at Silk Board junction has been out for an hour", CreatedAt: time.Now().Add(-time.Minute)})
		sup := r.tokens[auth.RoleSupervisor]
		st, m, _ := r.req("POST", fmt.Sprintf("/api/v1/cases/%d/replies", caseID), sup, map[string]any{"text": "Traffic police are on their way."})
		if st != 201 {
			t.Fatalf("reply: %d %v", st, m)
		}
		check := func(m map[string]any) {
			t.Helper()
			tg, _ := m["target"].(map[string]any)
			if tg["parent_id"] != "1790000000000000077" || tg["thread_id"] != "1790000000000000077" || tg["channel"] != "1500000000000000001" ||
				tg["last_inbound_at"] == nil {
				t.Errorf("target %v: want snake_case parent_id, thread_id, channel, last_inbound_at", tg)
			}
			for k := range tg {
				if k != strings.ToLower(k) {
					t.Errorf("target key %q is not snake_case", k)
				}
			}
		}
		check(m)
		id := int64(m["id"].(float64))
		_, got, _ := r.req("GET", fmt.Sprintf("/api/v1/outbox/%d", id), sup, nil)
		check(got)

		// A row written by an older desk, with Go field names.
		if _, err := db.Write.Exec(`UPDATE outbox SET target = $1 WHERE id = $2`,
			`{"Channel":"1500000000000000001","ParentID":"1790000000000000077","ThreadID":"1790000000000000077","Recipient":"","Extra":null,"LastInboundAt":"2026-12-01T10:00:00Z"}`, id); err != nil {
			t.Fatal(err)
		}
		_, got, _ = r.req("GET", fmt.Sprintf("/api/v1/outbox/%d", id), sup, nil)
		check(got)
	})
}
