package xfake

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// userAuth checks user context (POST /2/tweets, DMs, /2/users/me): an
// OAuth 2.0 Bearer token that is live, or an OAuth 1.0a signature. It
// returns who the caller is ("<token>" or "oauth1:<access token>") for
// Sent.Token. With no user credentials configured at all, any Bearer is
// accepted (the fake's historical default).
func (s *Server) userAuth(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok && tok != "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.o.UserToken == "" && s.o.RefreshToken == "" && s.o.AccessToken == "" {
			return tok, true
		}
		exp, ok := s.access[tok]
		if !ok || (!exp.IsZero() && !s.o.Now().Before(exp)) {
			return "", false
		}
		return tok, true
	}
	if params, ok := strings.CutPrefix(h, "OAuth "); ok && s.o.AccessToken != "" {
		return "oauth1:" + s.o.AccessToken, s.verifyOAuth1(r, params)
	}
	return "", false
}

// verifyOAuth1 recomputes the HMAC-SHA1 signature of r (RFC 5849 §3.4)
// from the header's oauth_* values, the query and a form body, and checks
// the keys, the timestamp window and that the nonce is new.
func (s *Server) verifyOAuth1(r *http.Request, header string) bool {
	op := map[string]string{}
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return false
		}
		dv, err := url.PathUnescape(v[1 : len(v)-1])
		if err != nil {
			return false
		}
		op[k] = dv
	}
	sig := op["oauth_signature"]
	if sig == "" || op["oauth_signature_method"] != "HMAC-SHA1" || (op["oauth_version"] != "" && op["oauth_version"] != "1.0") ||
		op["oauth_consumer_key"] != s.o.ConsumerKey || op["oauth_token"] != s.o.AccessToken || op["oauth_nonce"] == "" {
		return false
	}
	ts, err := strconv.ParseInt(op["oauth_timestamp"], 10, 64)
	if err != nil {
		return false
	}
	if d := s.o.Now().Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false // X: "Timestamp out of bounds"
	}
	var pairs []string
	enc := func(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }
	for k, v := range op {
		if k != "oauth_signature" && k != "realm" {
			pairs = append(pairs, enc(k)+"="+enc(v))
		}
	}
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			pairs = append(pairs, enc(k)+"="+enc(v))
		}
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		r.ParseForm()
		for k, vs := range r.PostForm {
			for _, v := range vs {
				pairs = append(pairs, enc(k)+"="+enc(v))
			}
		}
	}
	sort.Strings(pairs)
	base := r.Method + "&" + enc("http://"+r.Host+r.URL.EscapedPath()) + "&" + enc(strings.Join(pairs, "&"))
	m := hmac.New(sha1.New, []byte(enc(s.o.ConsumerSecret)+"&"+enc(s.o.AccessTokenSecret)))
	m.Write([]byte(base))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := op["oauth_timestamp"] + ":" + op["oauth_nonce"]
	if s.nonces[key] {
		return false // replayed request
	}
	s.nonces[key] = true
	return true
}

// serveToken is POST /2/oauth2/token with grant_type=refresh_token. Refresh
// tokens are single-use: the answer carries a new one and the old one is
// dead.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthErr(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
		return
	}
	if s.o.ClientSecret != "" {
		id, sec, ok := r.BasicAuth()
		if !ok || id != s.o.ClientID || sec != s.o.ClientSecret {
			oauthErr(401, "unauthorized_client", "Missing valid authorization header")
			return
		}
	}
	if r.PostForm.Get("client_id") != s.o.ClientID || s.o.ClientID == "" {
		oauthErr(400, "invalid_request", "Missing required parameter [client_id].")
		return
	}
	if r.PostForm.Get("grant_type") != "refresh_token" {
		oauthErr(400, "unsupported_grant_type", "grant_type must be refresh_token")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := r.PostForm.Get("refresh_token")
	if !s.refresh[old] {
		oauthErr(400, "invalid_request", "Value passed for the token was invalid.")
		return
	}
	delete(s.refresh, old)
	s.tokSeq++
	s.refreshes++
	access, refresh := fmt.Sprintf("xat-%d", s.tokSeq), fmt.Sprintf("xrt-%d", s.tokSeq)
	s.access[access] = s.o.Now().Add(s.o.AccessTTL)
	s.refresh[refresh] = true
	writeJSON(w, 200, map[string]any{"token_type": "bearer", "expires_in": int(s.o.AccessTTL.Seconds()), "access_token": access,
		"scope": "tweet.read tweet.write users.read dm.write offline.access", "refresh_token": refresh})
}

// Refreshes counts successful token refreshes.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// RevokeAccess makes user access token tok invalid at once (an admin
// revoking the app, or X rotating keys).
func (s *Server) RevokeAccess(tok string) {
	s.mu.Lock()
	delete(s.access, tok)
	s.mu.Unlock()
}

// LiveRefreshTokens lists the refresh tokens the fake would still accept.
func (s *Server) LiveRefreshTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for t := range s.refresh {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
