package mastodon

import (
	"testing"
	"time"
	"unicode/utf8"
)

var seeds = []string{
	`{"id":"34975861","type":"mention","created_at":"2026-08-20T09:20:00.000Z","account":{"id":"109000000000000001","username":"jo","acct":"jo@mastodon.example","display_name":"Jo Resident","url":"https://mastodon.example/@jo"},"status":{"id":"110000000000000321","uri":"https://mastodon.example/users/jo/statuses/1","url":"https://mastodon.example/@jo/1","created_at":"2026-08-20T09:19:58.000Z","in_reply_to_id":"110000000000000300","in_reply_to_account_id":"108000000000000042","visibility":"public","language":"en","spoiler_text":"","content":"<p><span class=\"h-card\"><a href=\"https://social.example/@police\" class=\"u-url mention\">@<span>police</span></a></span> car alarm &amp; noise <a href=\"https://x/tags/blr\" class=\"mention hashtag\" rel=\"tag\">#<span>blr</span></a></p>","account":{"id":"109000000000000001","acct":"jo@mastodon.example","display_name":"Jo"},"mentions":[],"tags":[],"reblog":null}}`,
	`{"id":"1","type":"favourite","account":{"id":"2"},"status":null}`,
	`{"id":"3","type":"mention","status":{"id":"4","visibility":"direct","content":"<p>ಸಹಾಯ ಬೇಕು<br/><script>x</script></p>","spoiler_text":"CW","language":null,"in_reply_to_id":null,"reblog":{"id":"5","content":"<b>boosted"}}}`,
	`{"id":"6","type":"mention","status":{"id":"7","content":"<p><<<>>>&#xD800;&bogus;</p","created_at":"not a date"}}`,
	`{"id":`, `[]`, `"110000000000000123"`, `110000000000000124`,
	`{"id":"8","created_at":"2026-08-20T09:19:58.000Z","edited_at":"2026-08-20T09:25:00.000Z","content":"<p>edited</p>","account":{"id":"1"}}`,
}

func FuzzDecodeNotification(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := DecodeNotification(b); err == nil && n.Status != nil {
			check(t, *n.Status, b)
		}
		if s, err := DecodeStatus(b); err == nil {
			check(t, s, b)
			if p, ok := Normalize(s, b, "c", "post", "", nil); ok {
				if c := Edit(s, p, true); c.ExternalID != p.ExternalID || c.Op != "edit" {
					t.Fatalf("bad edit %+v", c)
				}
			}
		}
		if c, ok := Deletion(b, time.Unix(0, 0)); ok && (c.ExternalID == "" || len(c.Raw) == 0) {
			t.Fatalf("bad deletion %+v", c)
		}
	})
}

func check(t *testing.T, s Status, raw []byte) {
	p, ok := Normalize(s, raw, "c", "mention", "108000000000000042", func(string) string { return "" })
	if !ok {
		return
	}
	if p.ExternalID == "" || !utf8.ValidString(p.Text) || p.ThreadID == "" {
		t.Fatalf("bad post %+v", p)
	}
}

func BenchmarkDecodeNormalizeNotification(b *testing.B) {
	raw := []byte(seeds[0])
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		n, err := DecodeNotification(raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := Normalize(*n.Status, raw, "c", "mention", "", nil); !ok {
			b.Fatal("not normalised")
		}
	}
}

func TestLinkRel(t *testing.T) {
	h := `<https://i.test/api/v1/notifications?max_id=1>; rel="next", <https://i.test/api/v1/notifications?min_id=9>; rel="prev"`
	if linkRel(h, "prev") != "https://i.test/api/v1/notifications?min_id=9" || linkRel(h, "next") != "https://i.test/api/v1/notifications?max_id=1" || linkRel("garbage", "prev") != "" {
		t.Fatal("linkRel")
	}
}
