// Package web is Kaval's HTTP layer: the server framework (routing,
// authentication, permissions, errors, limits, headers, metrics, OpenAPI)
// and the API surfaces for accounts, tokens, sessions and the audit log.
//
// # Adding routes
//
// Every API route is registered through one call that carries everything
// about it — method, pattern, the permission it needs and its OpenAPI
// description — so the permission check and the published document can
// never drift from the code:
//
//	srv := web.New(cfg, deps)
//	srv.Route("GET", "/api/v1/cases/{id}", auth.PermCasesRead, web.OpDoc{
//		Summary:  "Get a case",
//		Tags:     []string{"cases"},
//		Response: desk.Case{},
//	}, func(w http.ResponseWriter, r *http.Request) error {
//		id, err := web.PathID(r, "id")
//		if err != nil {
//			return err
//		}
//		p := auth.FromContext(r.Context()) // never nil on a non-public route
//		c, err := desks.Get(r.Context(), p, id) // p.ScopeUnit() narrows station officers
//		if err != nil {
//			return err // store.ErrNotFound → 404, validation → 422, … (see toError)
//		}
//		return web.JSON(w, http.StatusOK, c)
//	})
//
// Handlers return error; one mapper (errors.go) turns it into a JSON body
// {"error":{"code","message","field","request_id"}} and a log line. Request
// bodies are read with DecodeJSON (strict). Before a handler runs, the
// route wrapper has authenticated the request (Bearer token, or session
// cookie + cross-origin check for unsafe methods), enforced the route's
// permission, and put the auth.Principal in the context.
//
// Route panics on a missing or unknown permission: every route states who
// may call it (auth.PermPublic for nobody-in-particular). The test suite
// walks Routes() and checks each role against each route.
//
// Webhooks are mounted as one handler (Deps.Hooks) under /hooks/: they
// authenticate by platform signature, not by our users, and read the raw
// body themselves (no body limit is applied to them here).
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/time/rate"

	"github.com/kaval-desk/kaval/internal/auth"
	"github.com/kaval-desk/kaval/internal/store"
)

// Config is the server's behaviour. Zero values take the defaults noted.
type Config struct {
	MaxBodyBytes int64 // request body limit outside /hooks/; default 1 MiB
	// SecureCookies marks the session cookie Secure. It is also Secure
	// whenever the request itself came over TLS.
	SecureCookies bool
	// TrustProxyHeaders takes the client IP from the right-most
	// X-Forwarded-For entry (set it only behind your own reverse proxy).
	TrustProxyHeaders bool
	// TrustedOrigins are extra origins (scheme://host[:port]) allowed to
	// make cookie-authenticated unsafe requests, e.g. the public URL when
	// a proxy rewrites Host.
	TrustedOrigins []string
	LoginRate      rate.Limit // login attempts per second per IP; default 1 every 6 s
	LoginBurst     int        // default 10
	CookieName     string     // default "kaval_session"
	Version        string     // shown in the OpenAPI document
	// BaseURL is the desk's public URL (KAVAL_BASE_URL), for links given
	// to citizens ({status_url} in a reply); "" gives paths.
	BaseURL string
}

// Deps are the server's collaborators.
type Deps struct {
	DB     *store.DB     // required
	Auth   *auth.Service // required
	Logger *slog.Logger  // default slog.Default()
	// Registry receives the HTTP metrics and is served by MetricsHandler. Default:
	// a new registry with the Go and process collectors.
	Registry *prometheus.Registry
	// Ready is asked by /readyz after the database ping (e.g. "migrations
	// done, bus connected"); nil means ready.
	Ready func(ctx context.Context) error
	// Hooks serves /hooks/… (platform webhooks); nil leaves them 404.
	Hooks http.Handler
}

// Server is the HTTP handler of `kaval serve`.
type Server struct {
	cfg   Config
	deps  Deps
	log   *slog.Logger
	auth  *auth.Service
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
	login *ipLimiter
	reg   *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	replies *replyHandlers // set by ReplyAPI; the desk's pages reply through it too
	// pubGate holds single-account posts to the approval rules (set by
	// PublicationsAPI; nil: one approval, as before).
	pubGate func(ctx context.Context, channelID int64) error
	// bodyLimits raise the body limit for uploads (LimitBody).
	bodyLimits []bodyLimit

	mu      sync.Mutex
	pages   PageHooks
	routes  []RouteInfo
	openapi []byte // cached document, rebuilt after Route
}

// New builds the server with its own routes registered; add more with Route.
func New(cfg Config, deps Deps) *Server {
	if deps.DB == nil || deps.Auth == nil {
		panic("web: New needs Deps.DB and Deps.Auth")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.LoginRate == 0 {
		cfg.LoginRate = rate.Every(6 * time.Second)
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = 10
	}
	if cfg.CookieName == "" {
		cfg.CookieName = "kaval_session"
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Logger, auth: deps.Auth, mux: http.NewServeMux(),
		cop: http.NewCrossOriginProtection(), login: newIPLimiter(cfg.LoginRate, cfg.LoginBurst), reg: deps.Registry}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, o := range cfg.TrustedOrigins {
		if err := s.cop.AddTrustedOrigin(o); err != nil {
			panic(fmt.Sprintf("web: trusted origin %q: %v", o, err))
		}
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kaval_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
	}, []string{"method", "route", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "kaval_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	s.reg.MustRegister(s.requests, s.duration)
	if deps.Hooks != nil {
		s.mux.Handle("/hooks/", deps.Hooks)
	}
	s.routesTable()
	return s
}

// Registry returns the Prometheus registry MetricsHandler serves, so other
// packages can register their collectors.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Principal returns the authenticated principal of r (nil on public routes
// without credentials). Same as auth.FromContext(r.Context()).
func Principal(r *http.Request) *auth.Principal { return auth.FromContext(r.Context()) }

type ctxKey int

const infoKey ctxKey = iota

// reqInfo travels in the context so inner layers can tell the outer ones
// (access log, metrics) who the user was and which error code was sent.
type reqInfo struct {
	id      string
	ip      string
	userID  int64
	errCode string
}

func infoFrom(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(infoKey).(*reqInfo)
	return i
}

func requestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// ServeHTTP is the outer middleware chain: recovery, request id, security
// headers, body limit, then the mux; afterwards the access log and metrics,
// labelled by the matched route pattern (never the raw path).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := &reqInfo{id: incomingRequestID(r), ip: s.clientIP(r)}
	ctx := context.WithValue(r.Context(), infoKey, info)
	ctx = auth.WithClientIP(ctx, info.ip)
	r = r.WithContext(ctx)
	rec := &recorder{ResponseWriter: w, req: r}
	h := rec.Header()
	h.Set("X-Request-Id", info.id)
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.TLS != nil || s.cfg.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
	}
	if r.Body != nil && !strings.HasPrefix(r.URL.Path, "/hooks/") {
		r.Body = http.MaxBytesReader(rec, r.Body, s.bodyLimit(r.URL.Path))
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "panic", v, "method", r.Method, "path", r.URL.Path, "request_id", info.id, "stack", string(debug.Stack()))
			if !rec.wrote {
				s.writeError(rec, r, &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", Err: fmt.Errorf("panic: %v", v)})
			}
		}
		route := r.Pattern
		if i := strings.IndexByte(route, ' '); i >= 0 {
			route = route[i+1:]
		}
		if route == "" || route == "/" {
			route = "unmatched"
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		d := time.Since(start)
		method := r.Method
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		default:
			method = "OTHER" // any token is a valid method: keep label cardinality bounded
		}
		s.requests.WithLabelValues(method, route, fmt.Sprint(status)).Inc()
		s.duration.WithLabelValues(method, route).Observe(d.Seconds())
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "http",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
			slog.Int("status", status), slog.Int64("bytes", rec.bytes), slog.Float64("ms", float64(d.Microseconds())/1000),
			slog.String("request_id", info.id), slog.String("ip", info.ip), slog.Int64("user_id", info.userID),
			slog.String("error", info.errCode))
	}()
	s.mux.ServeHTTP(rec, r)
}

// recorder remembers the status and size for the access log. Unwrap lets
// http.ResponseController reach Flush and deadlines (SSE).
type recorder struct {
	http.ResponseWriter
	req     *http.Request
	swallow bool
	status  int
	bytes   int64
	wrote   bool
}

func (r *recorder) WriteHeader(code int) {
	if r.wrote {
		return
	}
	r.status, r.wrote = code, true
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) && r.req.Pattern == "" {
		// The mux's own 404/405 (no route matched): answer in JSON like
		// every other error and drop the mux's plain-text body.
		r.swallow = true
		var body ErrorBody
		body.Error.Code, body.Error.Message = "not_found", "no such endpoint"
		if code == http.StatusMethodNotAllowed {
			body.Error.Code, body.Error.Message = "method_not_allowed", "method not allowed on this path"
		}
		body.Error.RequestID = requestID(r.req.Context())
		writeJSON(r.ResponseWriter, code, body)
		return
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.swallow {
		return len(b), nil
	}
	if !r.wrote {
		r.status, r.wrote = http.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// incomingRequestID keeps a caller's X-Request-Id when it is short and
// plain (so it can be logged safely), else makes one.
func incomingRequestID(r *http.Request) string {
	if v := r.Header.Get("X-Request-Id"); len(v) > 0 && len(v) <= 64 && strings.IndexFunc(v, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')
	}) < 0 {
		return v
	}
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxyHeaders {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type bodyLimit struct {
	prefix, suffix string
	n              int64
}

// LimitBody sets the body limit of paths with prefix and suffix (an image
// upload) instead of the server's MaxBodyBytes. Call it before serving.
func (s *Server) LimitBody(prefix, suffix string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodyLimits = append(s.bodyLimits, bodyLimit{prefix, suffix, n})
}

func (s *Server) bodyLimit(path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.bodyLimits {
		if strings.HasPrefix(path, l.prefix) && strings.HasSuffix(path, l.suffix) {
			return l.n
		}
	}
	return s.cfg.MaxBodyBytes
}
