package channel

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/kaval-desk/kaval/internal/connector"
)

// The connectors take care not to quote secrets in errors; channel
// administration redacts anyway, because one careless error message would put a bot
// token in front of every admin and in the browser's history.
func TestRedactorHidesSecretsInEveryForm(t *testing.T) {
	tok := "123:AbC/def+ghi<x>&y"
	rd := NewRedactor(map[string]string{"bot_token": tok, "pin": "42", "app_secret": "s3cr3t-value"})
	cases := []string{
		"Post \"https://api.telegram.org/bot" + tok + "/getMe\": dial tcp: refused",
		"GET https://x/?access_token=" + url.QueryEscape(tok) + " failed",
		"path /bot" + url.PathEscape(tok) + "/sendMessage",
		`{"recent_errors":["` + strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(tok) + `"]}`,
		"signature mismatch with s3cr3t-values",
	}
	for _, c := range cases {
		got := rd.Str(c)
		if strings.Contains(got, "AbC") || strings.Contains(got, "s3cr3t") {
			t.Errorf("not redacted: %q → %q", c, got)
		}
		if !strings.Contains(got, Redacted) {
			t.Errorf("no marker: %q", got)
		}
	}
	// Two-character values are not searched for: they would mangle text.
	if got := rd.Str("HTTP 429 after 42 s"); got != "HTTP 429 after 42 s" {
		t.Errorf("short secret mangled text: %q", got)
	}
}

func TestCheckOutcomeKeepsThePlatformsWords(t *testing.T) {
	rd := NewRedactor(map[string]string{"token": "EAAG-token-value"})
	err := &connector.Error{Class: connector.AuthExpired, Platform: "whatsapp", Status: 401, Code: "190",
		Message: "Invalid OAuth access token EAAG-token-value"}
	res := Outcome(err, rd)
	if res.OK || res.Class != "auth_expired" || res.Code != "190" || res.Status != 401 ||
		!strings.Contains(res.Error, "Invalid OAuth access token") || strings.Contains(res.Error, "EAAG-token-value") {
		t.Fatalf("%+v", res)
	}
	if res := Outcome(errors.New("dial tcp: connection refused"), rd); res.OK || res.Class != "retryable" {
		t.Fatalf("%+v", res)
	}
	if res := Outcome(nil, rd); !res.OK || res.Error != "" {
		t.Fatalf("%+v", res)
	}
}
