package x

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaval-desk/kaval/internal/connector"
	"github.com/kaval-desk/kaval/internal/connector/conn"
	"github.com/kaval-desk/kaval/internal/post"
)

// Secret names of user-context auth. OAuth 2.0 (user_access_token, with
// refresh_token + client_id to renew it) wins over OAuth 1.0a
// (access_token + access_token_secret, signed with consumer_key +
// consumer_secret) when both are set.
const (
	secUserToken   = "user_access_token"
	secRefresh     = "refresh_token"
	secExpiresAt   = "user_token_expires_at" // Unix seconds; unknown when absent
	secClientID    = "client_id"
	secClientSec   = "client_secret" // confidential clients only
	secConsumerKey = "consumer_key"
	secConsumerSec = "consumer_secret"
	secAccess1     = "access_token"
	secAccess1Sec  = "access_token_secret"
)

// refreshEarly renews an access token this long before X says it expires,
// so a send never leaves with a token that dies on the way.
const refreshEarly = time.Minute

// userAuth signs user-context requests (replies, DMs, posts, /2/users/me)
// with whichever credentials the channel has.
type userAuth struct {
	store connector.SecretStore // nil: rotated tokens live in memory only

	mu       sync.Mutex
	access   string
	refresh  string
	expires  time.Time
	clientID string
	clientSc string

	consumerKey, consumerSecret string
	token1, token1Secret        string
}

func newUserAuth(sec map[string]string, store connector.SecretStore) *userAuth {
	a := &userAuth{store: store, clientID: sec[secClientID], clientSc: sec[secClientSec],
		consumerKey: sec[secConsumerKey], consumerSecret: sec[secConsumerSec],
		token1: sec[secAccess1], token1Secret: sec[secAccess1Sec]}
	a.adopt(sec)
	return a
}

// adopt takes the OAuth 2.0 tokens from a secrets map.
func (a *userAuth) adopt(sec map[string]string) {
	a.access, a.refresh, a.expires = sec[secUserToken], sec[secRefresh], time.Time{}
	if n, err := strconv.ParseInt(sec[secExpiresAt], 10, 64); err == nil && n > 0 {
		a.expires = time.Unix(n, 0)
	}
}

func (a *userAuth) oauth2() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.access != "" || a.canRefresh()
}

func (a *userAuth) canRefresh() bool { return a.refresh != "" && a.clientID != "" }

// refreshable reports whether OAuth 2.0 is in use and can be renewed.
func (a *userAuth) refreshable() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return (a.access != "" || a.canRefresh()) && a.canRefresh()
}

func (a *userAuth) oauth1() bool {
	return a.consumerKey != "" && a.consumerSecret != "" && a.token1 != "" && a.token1Secret != ""
}

// configured reports whether any user-context credential is set.
func (a *userAuth) configured() bool { return a.oauth2() || a.oauth1() }

// authorize sets the Authorization header of a user-context request whose
// body (if any) is JSON. With OAuth 2.0 it may first renew the access
// token; force renews even a token that looks valid (X just refused it).
func (c *Connector) authorize(ctx context.Context, req *http.Request, force bool) error {
	a := c.user
	if a.oauth2() {
		tok, err := c.accessToken(ctx, force)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
	if a.oauth1() {
		req.Header.Set("Authorization", SignOAuth1(req.Method, req.URL, nil, OAuth1Credentials{
			ConsumerKey: a.consumerKey, ConsumerSecret: a.consumerSecret, Token: a.token1, TokenSecret: a.token1Secret,
		}, c.deps.Now(), nonce()))
		return nil
	}
	return &connector.Error{Class: connector.AuthExpired, Platform: post.X, Message: "no user-context credentials (user_access_token, or OAuth 1.0a access_token): cannot post"}
}

// accessToken returns a usable OAuth 2.0 access token, renewing it when it
// expires within refreshEarly (or when force is set).
func (c *Connector) accessToken(ctx context.Context, force bool) (string, error) {
	a := c.user
	a.mu.Lock()
	defer a.mu.Unlock()
	now := c.deps.Now()
	fresh := a.access != "" && (a.expires.IsZero() || now.Add(refreshEarly).Before(a.expires))
	if fresh && !force {
		return a.access, nil
	}
	if !a.canRefresh() {
		if a.access == "" {
			return "", &connector.Error{Class: connector.AuthExpired, Platform: post.X, Message: "no user_access_token and no refresh_token + client_id"}
		}
		return a.access, nil // X will say whether it still works
	}
	stale := a.access
	// Another replica may have renewed it already; its refresh token is
	// then the only one X still accepts.
	if a.reload(ctx) && a.access != stale && a.access != "" && (a.expires.IsZero() || now.Add(refreshEarly).Before(a.expires)) {
		return a.access, nil
	}
	err := c.refreshLocked(ctx)
	if err != nil && connector.ClassOf(err) == connector.AuthExpired {
		// Lost a race with another replica between our reload and X:
		// the stored refresh token is newer than the one X refused.
		used := a.refresh
		if a.reload(ctx) && a.refresh != used {
			err = c.refreshLocked(ctx)
		}
	}
	if err != nil {
		return "", err
	}
	return a.access, nil
}

// reload adopts the stored OAuth 2.0 tokens; false when there is no store
// or it cannot be read (we then go on with what we hold).
func (a *userAuth) reload(ctx context.Context) bool {
	if a.store == nil {
		return false
	}
	sec, err := a.store.LoadSecrets(ctx)
	if err != nil || sec[secRefresh] == "" {
		return false
	}
	a.adopt(sec)
	return true
}

// refreshLocked trades the refresh token for a new pair at
// POST /2/oauth2/token and stores the pair before anything uses it: X
// rotates refresh tokens, so the old one is dead from now on.
func (c *Connector) refreshLocked(ctx context.Context) error {
	a := c.user
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {a.refresh}, "client_id": {a.clientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/2/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("x: unable to build token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a.clientSc != "" {
		req.SetBasicAuth(url.QueryEscape(a.clientID), url.QueryEscape(a.clientSc))
	}
	resp, err := c.deps.HTTP.Do(req)
	if err != nil {
		// Whether X rotated the token is unknown; the refresh token we hold
		// may be dead. Retrying is all we can do, and if it was rotated an
		// admin must reconnect: that surfaces as AuthExpired next time.
		return &connector.Error{Class: connector.Retryable, Platform: post.X, Message: "token refresh failed", Err: err}
	}
	defer resp.Body.Close()
	body, err := conn.ReadLimited(resp.Body, 64<<10)
	if err != nil {
		return &connector.Error{Class: connector.Retryable, Platform: post.X, Status: resp.StatusCode, Message: "token refresh: unreadable answer", Err: err}
	}
	var out struct {
		TokenType    string `json:"token_type"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
		Error        string `json:"error"`
		Description  string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &out)
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		e := &connector.Error{Platform: post.X, Status: resp.StatusCode, Code: out.Error, Message: "token refresh refused"}
		if out.Description != "" {
			e.Message += ": " + out.Description
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			e.Class, e.RetryAfter = connector.RateLimited, c.retryAfter(resp.Header)
		case resp.StatusCode >= 500:
			e.Class = connector.Retryable
		default: // invalid_request / invalid_grant / unauthorized_client
			e.Class = connector.AuthExpired
		}
		c.health.Error(e.Error())
		return e
	}
	a.access = out.AccessToken
	if out.RefreshToken != "" {
		a.refresh = out.RefreshToken
	}
	a.expires = time.Time{}
	set := map[string]string{secUserToken: a.access, secRefresh: a.refresh, secExpiresAt: ""}
	if out.ExpiresIn > 0 {
		a.expires = c.deps.Now().Add(time.Duration(out.ExpiresIn) * time.Second)
		set[secExpiresAt] = strconv.FormatInt(a.expires.Unix(), 10)
	}
	c.health.Count("token_refreshes", 1)
	if a.store != nil {
		if err := a.store.SaveSecrets(context.WithoutCancel(ctx), set); err != nil {
			// We hold the new pair in memory and go on; a restart before
			// the next successful save loses the account's refresh token.
			c.logErr("x: unable to store the rotated refresh token", err)
		}
	}
	return nil
}

// OAuth1Credentials are the four OAuth 1.0a user-context secrets.
type OAuth1Credentials struct {
	ConsumerKey, ConsumerSecret, Token, TokenSecret string
}

// SignOAuth1 returns the Authorization header of an OAuth 1.0a request
// signed with HMAC-SHA1 (RFC 5849 §3.4): the signature base string is the
// method, the base URI without query, and every query and form parameter
// plus the oauth_* ones, each percent-encoded (RFC 3986 unreserved set)
// and sorted. A JSON body is not signed, as for X's v2 endpoints.
func SignOAuth1(method string, u *url.URL, form url.Values, cr OAuth1Credentials, now time.Time, nonce string) string {
	op := map[string]string{
		"oauth_consumer_key":     cr.ConsumerKey,
		"oauth_nonce":            nonce,
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        strconv.FormatInt(now.Unix(), 10),
		"oauth_token":            cr.Token,
		"oauth_version":          "1.0",
	}
	params := [][2]string{}
	for k, v := range op {
		params = append(params, [2]string{k, v})
	}
	for _, vals := range []url.Values{u.Query(), form} {
		for k, vs := range vals {
			for _, v := range vs {
				params = append(params, [2]string{k, v})
			}
		}
	}
	sig := OAuth1Signature(method, u, params, cr.ConsumerSecret, cr.TokenSecret)
	op["oauth_signature"] = sig
	keys := make([]string, 0, len(op))
	for k := range op {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("OAuth ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `%s="%s"`, PercentEncode(k), PercentEncode(op[k]))
	}
	return b.String()
}

// OAuth1Signature is base64 HMAC-SHA1 of the signature base string of the
// request, keyed by the encoded consumer and token secrets joined by "&".
// params are every parameter except oauth_signature.
func OAuth1Signature(method string, u *url.URL, params [][2]string, consumerSecret, tokenSecret string) string {
	enc := make([]string, len(params))
	for i, p := range params {
		enc[i] = PercentEncode(p[0]) + "=" + PercentEncode(p[1])
	}
	sort.Strings(enc) // by encoded name, then encoded value
	base := strings.ToUpper(method) + "&" + PercentEncode(baseURI(u)) + "&" + PercentEncode(strings.Join(enc, "&"))
	m := hmac.New(sha1.New, []byte(PercentEncode(consumerSecret)+"&"+PercentEncode(tokenSecret)))
	m.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// baseURI is scheme://host[:port]/path, lower-case scheme and host,
// default ports dropped (RFC 5849 §3.4.1.2).
func baseURI(u *url.URL) string {
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && !(scheme == "http" && p == "80") && !(scheme == "https" && p == "443") {
		host += ":" + p
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// PercentEncode encodes every byte outside RFC 3986's unreserved set
// (ALPHA, DIGIT, "-", ".", "_", "~") as %XX with upper-case hex; space is
// %20, never "+".
func PercentEncode(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

func nonce() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errNoUserAuth is what Check says when only the app bearer is set.
var errNoUserAuth = errors.New("x: check needs user-context credentials or user_id")
