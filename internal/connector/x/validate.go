package x

import (
	"fmt"
	"strings"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/connector/x/xtext"
	"github.com/kaval-desk/kaval/internal/post"
)

// MaxDM is the longest direct message X takes, in weighted characters.
const MaxDM = 10000

func init() {
	connector.RegisterValidator(post.X, func(connector.Channel) (connector.Validator, error) { return rules{}, nil })
}

// rules are X's checks of an outgoing message that need no network. The
// Connector embeds them: Reply and Publish run them before sending, and
// the desk runs them when a message is queued (connector.Validator).
type rules struct{}

// ValidateReply checks a reply to a post (in_reply_to_tweet_id) or a
// direct message (t.Recipient).
func (rules) ValidateReply(t connector.Target, m connector.Message) error {
	if err := conn.NoMedia(post.X, m); err != nil {
		return err
	}
	if t.Recipient != "" {
		if !validID(t.Recipient) {
			return connector.Refuse(post.X, connector.FieldTarget, "bad DM recipient id")
		}
		return checkText(m.Text, MaxDM)
	}
	if !validID(t.ParentID) {
		return connector.Refuse(post.X, connector.FieldTarget, "reply needs the parent post id")
	}
	return checkText(m.Text, xtext.MaxWeighted)
}

// ValidatePublish checks a post on our account.
func (rules) ValidatePublish(m connector.Message) error {
	if err := conn.NoMedia(post.X, m); err != nil {
		return err
	}
	return checkText(m.Text, xtext.MaxWeighted)
}

// checkText counts as X does (xtext: URLs 23, CJK and emoji 2).
func checkText(text string, limit int) error {
	if strings.TrimSpace(text) == "" {
		return connector.Refuse(post.X, connector.FieldText, "empty text")
	}
	if n := xtext.Weighted(text); n > limit {
		return connector.Refuse(post.X, connector.FieldText, fmt.Sprintf("text is %d weighted characters (URLs count %d), limit %d", n, xtext.URLWeight, limit))
	}
	return nil
}
