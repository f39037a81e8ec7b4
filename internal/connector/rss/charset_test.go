package rss_test

import (
	"testing"

	"github.com/kaval-desk/kaval/internal/connector/conntest"
	"github.com/kaval-desk/kaval/internal/connector/rss/rssfake"
)

// A Latin-1 feed as news sites serve it: the charset only in the HTTP
// Content-Type (the XML declaration says nothing), é, ñ and £ as single
// bytes. Another declares windows-1252 in the XML and the header both,
// with its curly quotes; a third declares nothing anywhere.
func TestLatin1FeedParses(t *testing.T) {
	latin1 := "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Caf\xe9 news</title><item><guid>l1</guid><title>Caf\xe9 on M.G. Road closed, \xa3500 fine</title><description>Se\xf1or Ravi reported it</description></item></channel></rss>"
	cp1252 := "<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss version=\"2.0\"><channel><title>W</title><item><guid>w1</guid><title>\x93Road closed\x94 near Silk Board</title></item></channel></rss>"
	undeclared := "<rss version=\"2.0\"><channel><title>U</title><item><guid>u1</guid><title>Caf\xe9 fire</title></item></channel></rss>"
	cases := []struct{ body, ctype, key, want string }{
		{latin1, "application/rss+xml; charset=ISO-8859-1", "rss/l1", "Café on M.G. Road closed, £500 fine\n\nSeñor Ravi reported it"},
		{cp1252, "text/xml; charset=windows-1252", "rss/w1", "“Road closed” near Silk Board"},
		{undeclared, "application/rss+xml", "rss/u1", "Café fire"},
	}
	for _, tc := range cases {
		fake := rssfake.New()
		fake.SetRaw(tc.body, tc.ctype)
		sk := conntest.NewSink()
		c := newConn(t, fake.URL(), nil, sk, conntest.NewCheckpoints())
		poll(t, c)
		p, ok := sk.Get(tc.key)
		if !ok || p.Text != tc.want {
			t.Errorf("%s: %q (stored %v), want %q", tc.ctype, p.Text, ok, tc.want)
		}
		fake.Close()
	}
}
