package meta

import (
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/post"
)

func validator(t *testing.T, platform string, cfg map[string]string) connector.Validator {
	t.Helper()
	v, err := connector.NewValidator(connector.Channel{Platform: platform, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestInstagramPublishRules(t *testing.T) {
	v := validator(t, post.Instagram, map[string]string{"ig_user_id": "1784"})
	img := []string{"https://cdn.example/1.jpg"}
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: "Road safety week"}), connector.FieldMedia)
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "https://cdn.example/" + string(rune('a'+i)) + ".jpg"
	}
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: "x", Media: eleven}), connector.FieldMedia)
	if err := v.ValidatePublish(connector.Message{Text: "x", Media: eleven[:10]}); err != nil {
		t.Fatalf("a carousel of 10: %v", err)
	}
	// 2,200 characters, not bytes: a Kannada caption of 2,200 letters
	// (6,600 bytes) is fine.
	if err := v.ValidatePublish(connector.Message{Text: strings.Repeat("ಕ", IGCaptionMaxChars), Media: img}); err != nil {
		t.Fatalf("2,200 Kannada characters: %v", err)
	}
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: strings.Repeat("ಕ", IGCaptionMaxChars+1), Media: img}), connector.FieldText)
	if err := v.ValidatePublish(connector.Message{Text: strings.Repeat("#blr ", 30) + strings.Repeat("@a ", 20), Media: img}); err != nil {
		t.Fatalf("30 hashtags and 20 mentions: %v", err)
	}
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: strings.Repeat("#blr ", 31), Media: img}), connector.FieldText)
	conntest.RefusedOn(t, v.ValidatePublish(connector.Message{Text: strings.Repeat("@a ", 21), Media: img}), connector.FieldText)
	conntest.RefusedOn(t, validator(t, post.Instagram, nil).ValidatePublish(connector.Message{Text: "x", Media: img}), "")
}

func TestFacebookAndMessengerRules(t *testing.T) {
	fb := validator(t, post.Facebook, map[string]string{"page_id": "1044", "ig_user_id": "1784"})
	if err := fb.ValidatePublish(connector.Message{Text: strings.Repeat("ಕ", FBPostMaxChars)}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, fb.ValidatePublish(connector.Message{Text: strings.Repeat("ಕ", FBPostMaxChars+1)}), connector.FieldText)
	conntest.RefusedOn(t, fb.ValidatePublish(connector.Message{Text: "x", Media: []string{"https://a.example/1.jpg", "https://a.example/2.jpg"}}), connector.FieldMedia)
	conntest.RefusedOn(t, validator(t, post.Facebook, nil).ValidatePublish(connector.Message{Text: "x"}), "")
	conntest.RefusedOn(t, validator(t, post.Messenger, map[string]string{"page_id": "1044"}).ValidatePublish(connector.Message{Text: "x"}), "")

	// Replies, by route.
	comment := connector.Target{Channel: "1044", ParentID: "1044_99"}
	if err := fb.ValidateReply(comment, connector.Message{Text: strings.Repeat("a", FBCommentMaxChars)}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, fb.ValidateReply(comment, connector.Message{Text: strings.Repeat("a", FBCommentMaxChars+1)}), connector.FieldText)
	conntest.RefusedOn(t, fb.ValidateReply(connector.Target{Channel: "1044"}, connector.Message{Text: "hi"}), connector.FieldTarget)
	dm := connector.Target{Channel: "1044", ThreadID: "1044:7100000000000001", LastInboundAt: time.Now()}
	if err := fb.ValidateReply(dm, connector.Message{Text: strings.Repeat("ಕ", MessengerMaxChars)}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, fb.ValidateReply(dm, connector.Message{Text: strings.Repeat("ಕ", MessengerMaxChars+1)}), connector.FieldText)
	igc := connector.Target{Channel: "1784", ParentID: "17870913679156914"}
	conntest.RefusedOn(t, fb.ValidateReply(igc, connector.Message{Text: strings.Repeat("a", IGCommentMaxChars+1)}), connector.FieldText)
	// An Instagram DM counts bytes: 333 Kannada letters are 999.
	igdm := connector.Target{Channel: "1784", ThreadID: "1784:9900"}
	if err := fb.ValidateReply(igdm, connector.Message{Text: strings.Repeat("ಕ", 333)}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, fb.ValidateReply(igdm, connector.Message{Text: strings.Repeat("ಕ", 334)}), connector.FieldText)
	// An @mention reply needs the media.
	mention := connector.Target{Channel: "1784", ParentID: "17890000000000001", Extra: map[string]string{"kind": post.KindMention}}
	conntest.RefusedOn(t, fb.ValidateReply(mention, connector.Message{Text: "hi"}), connector.FieldTarget)
	mention.ThreadID = "17900000000000002"
	if err := fb.ValidateReply(mention, connector.Message{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	conntest.RefusedOn(t, fb.ValidateReply(comment, connector.Message{Text: "hi", Media: []string{"https://a.example/1.jpg"}}), connector.FieldMedia)
}
