package x_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kaval-desk/kaval/internal/connector/x"
)

// The worked example of X's "Creating a signature" page: fixed keys, nonce
// and timestamp give a known signature.
func TestOAuth1KnownSignature(t *testing.T) {
	u, _ := url.Parse("https://api.twitter.com/1.1/statuses/update.json?include_entities=true")
	form := url.Values{"status": {"Hello Ladies + Gentlemen, a signed OAuth request!"}}
	cr := x.OAuth1Credentials{
		ConsumerKey: "xvz1evFS4wEEPTGEFPHBog", ConsumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
		Token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", TokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
	}
	h := x.SignOAuth1("POST", u, form, cr, time.Unix(1318622958, 0), "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
	if want := `oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"`; !strings.Contains(h, want) {
		t.Fatalf("header %s\nwant %s", h, want)
	}
	if !strings.HasPrefix(h, "OAuth ") || !strings.Contains(h, `oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"`) {
		t.Fatalf("header %s", h)
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"Ladies + Gentlemen": "Ladies%20%2B%20Gentlemen",
		"An encoded string!": "An%20encoded%20string%21",
		"Dogs, Cats & Mice":  "Dogs%2C%20Cats%20%26%20Mice",
		"☃":                  "%E2%98%83",
		"-._~":               "-._~",
	} {
		if got := x.PercentEncode(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}
