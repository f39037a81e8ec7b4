package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/outbox"
)

// A reply the platform took but reported undelivered says so on the case,
// with the platform's reason (it used to show "Sent").
func TestCaseShowsUndeliveredReply(t *testing.T) {
	e := newDeskEnv(t)
	id := e.put("my phone was stolen at the bus stand", false)
	var ch int64
	if err := e.a.DB.Write.QueryRow(`INSERT INTO channels (platform, name, config, status, created_at, updated_at)
		VALUES ('whatsapp', 'Helpline', '{}', 'active', 1, 1) RETURNING id`).Scan(&ch); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	item, err := e.a.Outbox.Enqueue(ctx, outbox.Item{IdempotencyKey: "undelivered-1", ChannelID: ch, Kind: outbox.Reply, CaseID: id,
		Target: connector.Target{Channel: "1065", ThreadID: "t", Recipient: "919800000001"}, Text: "We are on it", CreatedBy: e.users[auth.RoleAgent].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.DB.Write.Exec(`UPDATE outbox SET state = 'sent', external_id = 'wamid.X1', platform = 'whatsapp' WHERE id = $1`, item); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Outbox.DeliveryStatus(ctx, "whatsapp", "wamid.X1", "failed", time.Now(), "131047 Re-engagement message"); err != nil {
		t.Fatal(err)
	}
	body := e.login(auth.RoleAgent).get(fmt.Sprintf("/desk/cases/%d", id)).body
	replies := body[strings.Index(body, `class="replies"`):]
	if !strings.Contains(replies, "Not delivered") || !strings.Contains(replies, "131047 Re-engagement message") {
		t.Fatalf("replies: %.600s", replies)
	}
}
