package rss

import (
	"testing"
	"time"
	"unicode/utf8"
)

var feedSeeds = []string{
	`<?xml version="1.0"?><rss version="2.0" xmlns:georss="http://www.georss.org/georss"><channel><title>T</title><language>en</language><item><title>Road closures</title><link>https://n.test/1</link><guid>g1</guid><pubDate>Thu, 20 Aug 2026 09:30:00 +0000</pubDate><description><![CDATA[<p>Elm &amp; 5th</p>]]></description><georss:point>12.9 77.6</georss:point></item></channel></rss>`,
	`<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>A</title><entry><id>e1</id><title>t</title><link href="https://a.test/1"/><published>2026-08-20T09:33:00Z</published><summary type="html">&lt;b&gt;x&lt;/b&gt;</summary></entry></feed>`,
	`{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","content_html":"<p>hi</p>","date_published":"2026-08-20T09:00:00Z"}]}`,
	`<rss><channel><item><title>broken`,
	`<html><body>error</body></html>`,
	`<rss version="2.0"><channel><item><georss:point>999 999</georss:point><pubDate>yesterday</pubDate></item></channel></rss>`,
	``,
	"<?xml version=\"1.0\" encoding='iso-8859-1'?><rss version=\"2.0\"><channel><item><guid>l</guid><title>Caf\xe9</title></item></channel></rss>",
}

var charsets = []string{"", "application/rss+xml; charset=ISO-8859-1", "text/xml; charset=windows-1252", "text/xml; charset=utf-8", "text/xml; charset=x-unknown", "text/xml; charset=\"utf-16\""}

func FuzzParseFeed(f *testing.F) {
	for i, s := range feedSeeds {
		f.Add([]byte(s), uint8(i))
	}
	now := time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte, cs uint8) {
		feed, err := ParseFeed(toUTF8(b, charsets[int(cs)%len(charsets)]))
		if err != nil {
			return
		}
		for _, it := range feed.Items {
			p, ok := Normalize(feed, it, "c", now)
			if !ok {
				continue
			}
			if p.ExternalID == "" || !utf8.ValidString(p.Text) || len(p.Text) > maxTextLength {
				t.Fatalf("bad post %+v", p)
			}
		}
	})
}

func BenchmarkParseNormalize(b *testing.B) {
	raw := []byte(feedSeeds[0])
	now := time.Now()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		feed, err := ParseFeed(raw)
		if err != nil {
			b.Fatal(err)
		}
		for _, it := range feed.Items {
			Normalize(feed, it, "c", now)
		}
	}
}
