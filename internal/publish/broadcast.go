package publish

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
)

// StationGroup is what speaks for one station to its locality: its
// Telegram channel (an account whose publish_chat is the station's
// channel) and its WhatsApp broadcast (a number, and the approved
// template advisories go out in: WhatsApp lets a business start a
// conversation only with a template).
type StationGroup struct {
	UnitID           int64  `json:"unit_id"`
	Code             string `json:"code"`
	Slug             string `json:"slug"` // its feed: /feeds/stations/{slug}.atom
	Name             string `json:"name"`
	NameKn           string `json:"name_kn,omitempty"`
	TelegramChannel  int64  `json:"telegram_channel,omitempty"`
	WhatsAppChannel  int64  `json:"whatsapp_channel,omitempty"`
	WhatsAppTemplate string `json:"whatsapp_template,omitempty"`
	TemplateLang     string `json:"template_lang,omitempty"` // the template's language code, e.g. kn or en_US
	Subscribers      int    `json:"subscribers"`             // citizens receiving its WhatsApp broadcasts
}

// SetStationGroup sets the accounts of a station's group.
func (s *Service) SetStationGroup(ctx context.Context, p *auth.Principal, g StationGroup) (StationGroup, error) {
	g.WhatsAppTemplate, g.TemplateLang = strings.TrimSpace(g.WhatsAppTemplate), strings.TrimSpace(g.TemplateLang)
	if g.WhatsAppChannel != 0 && (g.WhatsAppTemplate == "" || g.TemplateLang == "" || len(g.WhatsAppTemplate) > 512 || len(g.TemplateLang) > 16) {
		return g, invalid("whatsapp_template", "a WhatsApp broadcast needs its approved template's name and language")
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM units WHERE id = $1`, g.UnitID).Scan(&kind); err != nil || kind != "station" {
			return invalid("unit_id", "unit %d is not a police station", g.UnitID)
		}
		for _, c := range []struct {
			id       int64
			platform string
		}{{g.TelegramChannel, "telegram"}, {g.WhatsAppChannel, "whatsapp"}} {
			if c.id == 0 {
				continue
			}
			ch, err := s.channel(ctx, tx, c.id)
			if err != nil || ch.Platform != c.platform {
				return invalid(c.platform+"_channel", "channel %d is not a %s account", c.id, c.platform)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO station_groups (unit_id, telegram_channel, whatsapp_channel, whatsapp_template, template_lang, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (unit_id) DO UPDATE SET telegram_channel = excluded.telegram_channel, whatsapp_channel = excluded.whatsapp_channel,
				whatsapp_template = excluded.whatsapp_template, template_lang = excluded.template_lang, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			g.UnitID, nullID(g.TelegramChannel), nullID(g.WhatsAppChannel), g.WhatsAppTemplate, g.TemplateLang, p.UserID, store.Millis(s.now()))
		if err != nil {
			return err
		}
		return auth.AuditTx(ctx, tx, auth.Entry{ActorID: p.UserID, Actor: p.Username, Action: "station_group.set", Target: fmt.Sprintf("unit:%d", g.UnitID),
			Details: map[string]any{"telegram_channel": g.TelegramChannel, "whatsapp_channel": g.WhatsAppChannel, "template": g.WhatsAppTemplate}})
	})
	if err != nil {
		return g, wrap("set the station's group", err)
	}
	gs, err := s.StationGroups(ctx, g.UnitID)
	if err != nil || len(gs) == 0 {
		return g, err
	}
	return gs[0], nil
}

// StationGroups lists the stations with their groups (only unitID's when
// it is not 0), with the number of citizens receiving each.
func (s *Service) StationGroups(ctx context.Context, unitID int64) ([]StationGroup, error) {
	q := `SELECT u.id, u.code, u.name, u.name_kn, COALESCE(g.telegram_channel, 0), COALESCE(g.whatsapp_channel, 0),
		COALESCE(g.whatsapp_template, ''), COALESCE(g.template_lang, ''),
		(SELECT COUNT(*) FROM broadcast_subscribers b WHERE b.unit_id = u.id AND b.channel_id = g.whatsapp_channel AND b.opted_out_at IS NULL)
		FROM units u LEFT JOIN station_groups g ON g.unit_id = u.id WHERE u.kind = 'station'`
	args := []any{}
	if unitID != 0 {
		q += ` AND u.id = $1`
		args = append(args, unitID)
	}
	rows, err := s.db.Read.QueryContext(ctx, q+` ORDER BY u.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("publish: unable to list station groups: %w", err)
	}
	defer rows.Close()
	var out []StationGroup
	for rows.Next() {
		var g StationGroup
		if err := rows.Scan(&g.UnitID, &g.Code, &g.Name, &g.NameKn, &g.TelegramChannel, &g.WhatsAppChannel, &g.WhatsAppTemplate, &g.TemplateLang, &g.Subscribers); err != nil {
			return nil, err
		}
		g.Slug = g.Code[strings.LastIndexByte(g.Code, '/')+1:]
		out = append(out, g)
	}
	return out, rows.Err()
}

// Consent is a citizen's own request, from their number, to receive a
// station's broadcasts (or to stop).
type Consent struct {
	ChannelID int64  // the WhatsApp account written to
	WaID      string // the citizen's number, as WhatsApp gives it
	Evidence  string // the platform's id of the message that asked
	PostID    int64  // the desk's id of that message, for the audit log
}

// Subscribe records a citizen's request to receive a station's WhatsApp
// broadcasts. It is only ever called from the citizen's own message (the
// keyword listener): there is no way for staff to add a number.
func (s *Service) Subscribe(ctx context.Context, tx *sql.Tx, unitID int64, c Consent) error {
	if c.WaID == "" || c.Evidence == "" {
		return errors.New("publish: a subscription needs the citizen's number and their message")
	}
	now := store.Millis(s.now())
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO broadcast_subscribers (unit_id, channel_id, wa_id, evidence, consented_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (unit_id, channel_id, wa_id) DO UPDATE SET evidence = excluded.evidence, consented_at = excluded.consented_at, opted_out_at = NULL
		RETURNING id`, unitID, c.ChannelID, c.WaID, c.Evidence, now).Scan(&id)
	if err != nil {
		return err
	}
	// The audit log names the subscription and the message, never the
	// number (a WhatsApp message id encodes it too).
	return auth.AuditTx(ctx, tx, auth.Entry{Actor: "citizen", Action: "broadcast.subscribe", Target: fmt.Sprintf("subscriber:%d", id),
		Details: map[string]any{"unit_id": unitID, "channel_id": c.ChannelID, "post_id": c.PostID}})
}

// OptOut ends every subscription of the number on the account at once:
// broadcast messages queued for it and not yet being sent are withdrawn
// in the same transaction, so not one more is sent.
func (s *Service) OptOut(ctx context.Context, tx *sql.Tx, c Consent) (int, error) {
	now := store.Millis(s.now())
	rows, err := tx.QueryContext(ctx, `UPDATE broadcast_subscribers SET opted_out_at = $3 WHERE channel_id = $1 AND wa_id = $2 AND opted_out_at IS NULL RETURNING id`,
		c.ChannelID, c.WaID, now)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'cancelled', decision_note = 'cancelled: the citizen opted out', decided_at = $2, updated_at = $2
			WHERE state IN ('pending', 'awaiting_approval', 'failed', 'held') AND id IN (SELECT outbox_id FROM broadcast_sends WHERE subscriber_id = $1)`, id, now); err != nil {
			return 0, err
		}
		if err := auth.AuditTx(ctx, tx, auth.Entry{Actor: "citizen", Action: "broadcast.opt_out", Target: fmt.Sprintf("subscriber:%d", id),
			Details: map[string]any{"channel_id": c.ChannelID, "post_id": c.PostID}}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// targets are the stations a publication is for.
func targets(ctx context.Context, q querier, pubID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT unit_id FROM publication_targets WHERE publication_id = $1 ORDER BY unit_id`, pubID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// localText is what a station's group reads: Kannada first, then English
// (then Hindi), as the publication has them.
func localText(texts map[string]string) string {
	var parts []string
	for _, l := range []string{"kn", "en", "hi"} {
		if t := texts[l]; t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n\n")
}

// queueBroadcasts hands occurrence n of a targeted publication to its
// stations' groups: a post on each station's Telegram channel, and a
// template message to each citizen receiving its WhatsApp broadcast.
// Keys make a repeat queue nothing.
func (s *Service) queueBroadcasts(ctx context.Context, tx *sql.Tx, p Publication, n int, due time.Time) (int, error) {
	units, err := targets(ctx, tx, p.ID)
	if err != nil || len(units) == 0 {
		return 0, err
	}
	texts := map[string]string{}
	rows, err := tx.QueryContext(ctx, `SELECT lang, text FROM publication_texts WHERE publication_id = $1`, p.ID)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var l, t string
		if err := rows.Scan(&l, &t); err != nil {
			rows.Close()
			return 0, err
		}
		texts[l] = t
	}
	rows.Close()
	queued := 0
	telegram := map[int64]bool{} // a channel shared by stations posts once
	for _, u := range units {
		var tg, wa int64
		var tmpl, tlang string
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(telegram_channel, 0), COALESCE(whatsapp_channel, 0), whatsapp_template, template_lang
			FROM station_groups WHERE unit_id = $1`, u).Scan(&tg, &wa, &tmpl, &tlang)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return queued, err
		}
		if tg != 0 && !telegram[tg] {
			telegram[tg] = true
			_, created, err := s.ob.EnqueueTx(ctx, tx, outbox.Item{IdempotencyKey: fmt.Sprintf("publication:%d:tg%d:o%d", p.ID, tg, n),
				ChannelID: tg, Kind: outbox.Publish, Text: localText(texts), CreatedBy: p.CreatedBy, NotBefore: due})
			if err != nil {
				return queued, err
			}
			if created {
				queued++
			}
		}
		if wa == 0 || tmpl == "" {
			continue
		}
		// The template's one parameter is the advisory in the template's
		// language when the publication has it, else all it has.
		body := texts[strings.SplitN(tlang, "_", 2)[0]]
		if body == "" {
			body = localText(texts)
		}
		subs, err := tx.QueryContext(ctx, `SELECT id, wa_id FROM broadcast_subscribers WHERE unit_id = $1 AND channel_id = $2 AND opted_out_at IS NULL ORDER BY id`, u, wa)
		if err != nil {
			return queued, err
		}
		type sub struct {
			id   int64
			waID string
		}
		var ss []sub
		for subs.Next() {
			var x sub
			if err := subs.Scan(&x.id, &x.waID); err != nil {
				subs.Close()
				return queued, err
			}
			ss = append(ss, x)
		}
		subs.Close()
		for _, x := range ss {
			oid, created, err := s.ob.EnqueueTx(ctx, tx, outbox.Item{IdempotencyKey: fmt.Sprintf("publication:%d:wa%d:o%d", p.ID, x.id, n),
				ChannelID: wa, Kind: outbox.Reply, Target: connector.Target{Recipient: x.waID}, Text: body,
				Template: &connector.Template{Name: tmpl, Language: tlang, Params: []string{body}}, CreatedBy: p.CreatedBy, NotBefore: due})
			if err != nil {
				return queued, err
			}
			if !created {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO broadcast_sends (outbox_id, publication_id, subscriber_id, occurrence) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, oid, p.ID, x.id, n); err != nil {
				return queued, err
			}
			queued++
		}
	}
	return queued, nil
}
