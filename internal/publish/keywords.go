package publish

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/outbox"
	"github.com/kaval-desk/kaval/internal/store"
	"github.com/kaval-desk/kaval/internal/textnorm"
)

// Command is what a citizen's message asks of the broadcasts.
type Command struct {
	Join    bool   // join Station's broadcast
	Stop    bool   // leave every broadcast of the number
	Station string // as written, for Join
}

// joinWords and stopWords are the whole-message commands, in English and
// Kannada. Only a message that is nothing but a command counts: a citizen
// writing "please stop the noise" to the helpline is not opting out of
// anything, and no one is added by a message that merely mentions a
// station.
var (
	joinWords = []string{"join", "subscribe", "start", "ಸೇರು", "ಸೇರಿಸಿ"}
	stopWords = []string{"stop", "unsubscribe", "stop all", "ನಿಲ್ಲಿಸಿ", "ನಿಲ್ಲಿಸು"}
)

// ParseCommand reads a message as a broadcast command; ok is false for
// anything else.
func ParseCommand(text string) (c Command, ok bool) {
	t := strings.TrimFunc(textnorm.Fold(text), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	if len(t) == 0 || len(t) > 120 {
		return c, false
	}
	t = strings.Join(strings.Fields(t), " ")
	for _, w := range stopWords {
		if t == w {
			return Command{Stop: true}, true
		}
	}
	for _, w := range joinWords {
		if rest, found := strings.CutPrefix(t, w+" "); found && rest != "" {
			return Command{Join: true, Station: rest}, true
		}
	}
	return c, false
}

// Keywords turns citizens' WhatsApp commands into subscriptions and
// opt-outs, in the pipeline's transaction (pipeline.Listener): the
// message is the consent, and an opt-out takes effect before the message
// is even on the desk.
type Keywords struct{ s *Service }

// NewKeywords returns the listener over db (opt: a clock for tests). Its
// confirmations go through the outbox (any replica's worker sends them
// within its poll).
func NewKeywords(db *store.DB, opt ...Options) Keywords {
	var o Options
	if len(opt) > 0 {
		o = opt[0]
	}
	ob := outbox.New(db)
	if o.Now != nil {
		ob = ob.WithClock(o.Now)
	}
	return Keywords{s: New(db, ob, o)}
}

// Confirmations a citizen gets, in Kannada and English: WhatsApp expects
// the business to acknowledge an opt-in and an opt-out, and the citizen's
// own message opened the 24-hour window for it.
const (
	confirmJoin = "ನೀವು %s ಠಾಣೆಯ ಸಲಹೆಗಳನ್ನು ಇಲ್ಲಿ ಪಡೆಯುತ್ತೀರಿ. ನಿಲ್ಲಿಸಲು STOP ಎಂದು ಕಳುಹಿಸಿ.\n" +
		"You will receive advisories from %s here. Send STOP to leave."
	confirmStop = "ಇನ್ನು ಮುಂದೆ ಠಾಣೆಯ ಸಲಹೆಗಳು ಈ ಸಂಖ್ಯೆಗೆ ಬರುವುದಿಲ್ಲ. ಮತ್ತೆ ಸೇರಲು JOIN ಮತ್ತು ಠಾಣೆಯ ಹೆಸರು ಕಳುಹಿಸಿ.\n" +
		"You will no longer receive station advisories on this number. Send JOIN and the station's name to join again."
)

// confirm queues the acknowledgement of a command as a reply to it.
func (k Keywords) confirm(ctx context.Context, tx *sql.Tx, m Consent, text string) error {
	_, _, err := k.s.ob.EnqueueTx(ctx, tx, outbox.Item{IdempotencyKey: "broadcast:confirm:" + m.Evidence, ChannelID: m.ChannelID, Kind: outbox.Reply,
		Target: connector.Target{Recipient: m.WaID, ParentID: m.Evidence, LastInboundAt: k.s.now()}, Text: text})
	return err
}

// Listen implements pipeline.Listener.
func (k Keywords) Listen(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, external_id, author_external_id, COALESCE(channel_id, 0), text FROM posts
		WHERE platform = 'whatsapp' AND id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("publish: broadcast commands: %w", err)
	}
	type msg struct {
		ext, waID, text string
		id, ch          int64
	}
	var ms []msg
	for rows.Next() {
		var m msg
		if err := rows.Scan(&m.id, &m.ext, &m.waID, &m.ch, &m.text); err != nil {
			rows.Close()
			return err
		}
		ms = append(ms, m)
	}
	rows.Close()
	for _, m := range ms {
		cmd, ok := ParseCommand(m.text)
		if !ok || m.ch == 0 || m.waID == "" {
			continue
		}
		c := Consent{ChannelID: m.ch, WaID: m.waID, Evidence: m.ext, PostID: m.id}
		if cmd.Stop {
			n, err := k.s.OptOut(ctx, tx, c)
			if err != nil {
				return fmt.Errorf("publish: opt-out: %w", err)
			}
			if n > 0 {
				if err := k.confirm(ctx, tx, c, confirmStop); err != nil {
					return fmt.Errorf("publish: opt-out: %w", err)
				}
			}
			continue
		}
		unit, name, err := stationOnChannel(ctx, tx, m.ch, cmd.Station)
		if err != nil {
			return err
		}
		if unit == 0 {
			continue // no such station broadcasts on this number
		}
		if err := k.s.Subscribe(ctx, tx, unit, c); err != nil {
			return fmt.Errorf("publish: subscribe: %w", err)
		}
		if err := k.confirm(ctx, tx, c, fmt.Sprintf(confirmJoin, name, name)); err != nil {
			return fmt.Errorf("publish: subscribe: %w", err)
		}
	}
	return nil
}

// stationOnChannel finds the station broadcasting on the WhatsApp account
// by its name as a citizen would write it ("Jayanagar", "Jayanagar PS",
// its Kannada name or its code).
func stationOnChannel(ctx context.Context, tx *sql.Tx, ch int64, name string) (int64, string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT u.id, u.code, u.name, u.name_kn FROM station_groups g JOIN units u ON u.id = g.unit_id WHERE g.whatsapp_channel = $1`, ch)
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	want := textnorm.Fold(name)
	for rows.Next() {
		var id int64
		var code, en, kn string
		if err := rows.Scan(&id, &code, &en, &kn); err != nil {
			return 0, "", err
		}
		for _, n := range []string{en, strings.TrimSuffix(en, " PS"), kn, code, code[strings.LastIndexByte(code, '/')+1:]} {
			if n != "" && textnorm.Fold(n) == want {
				return id, en, nil
			}
		}
	}
	return 0, "", rows.Err()
}
