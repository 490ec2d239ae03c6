package httpsource

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/httpserver"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/ingest/mapping"
)

// Paths served on ingest.http.listen.
const (
	PathEvents  = "/v1/events"
	PathShopify = "/v1/webhooks/shopify"
)

// Source names in Ordertrack-Source and ordertrack_ingest_records_total.
const (
	SourceHTTP    = "http"
	SourceShopify = "shopify"
)

// Defaults of Options.
const (
	DefaultMaxInFlight  = 64
	DefaultStoreTimeout = 4 * time.Second
	// RetryAfter is the Retry-After of a 503, in seconds.
	RetryAfter = "2"
	// stopWithin bounds how long Run waits for requests in flight at a stop.
	stopWithin = 10 * time.Second
)

// Options configure a Source.
type Options struct {
	// HTTP is ingest.http; Mapping ingest.mapping (for /v1/events).
	HTTP    config.HTTPIngest
	Mapping config.Mapping
	// Listener is the bound ingest.http.listen (the caller binds it, so
	// that a port clash is reported before anything starts).
	Listener net.Listener
	// Conn is the NATS connection events are published on.
	Conn     *nats.Conn
	Topology contract.Topology
	// MaxSkew is sla.max_clock_skew (an event time further ahead of its
	// arrival is dead-lettered timestamp_in_future).
	MaxSkew time.Duration
	// MaxInFlight is the most requests served at once (503 beyond);
	// default DefaultMaxInFlight. With MaxBody it bounds the memory the
	// bodies hold.
	MaxInFlight int
	// StoreTimeout bounds waiting for a request's PubAcks (503 past it);
	// default DefaultStoreTimeout, within Shopify's 5 s.
	StoreTimeout time.Duration
	// Metrics counts records (shared with the other sources); nil counts
	// nothing. Requests are counted by the Source's own Collector.
	Metrics *ingest.Metrics
	Log     *slog.Logger
	// Now is the clock of arrival times and signatures; default time.Now.
	Now func() time.Time
}

// Source serves the HTTP source. Build it with New, then Run it once.
type Source struct {
	opts     Options
	js       jetstream.JetStream
	mapper   *mapping.Mapper
	token    []byte // SHA-256 of ingest.http.token; nil = none
	signer   *Signer
	shopify  []byte // ingest.http.shopify.secret; nil = endpoint off
	inFlight chan struct{}
	requests *requestMetrics
	authLog  burstLog
	storeLog burstLog
	status   status
	log      *slog.Logger
}

// New returns the Source of o. It fails if the secret is not whsec_<base64>
// (config validation already refuses it) or JetStream cannot be set up.
func New(o Options) (*Source, error) {
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.StoreTimeout <= 0 {
		o.StoreTimeout = DefaultStoreTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Source{opts: o, mapper: mapping.New(o.Mapping), inFlight: make(chan struct{}, o.MaxInFlight),
		requests: newRequestMetrics(), log: o.Log.With("source", "http")}
	s.status.set(StateStarting, "", o.Now())
	if o.HTTP.Token != "" {
		h := sha256.Sum256([]byte(o.HTTP.Token))
		s.token = h[:]
	}
	if o.HTTP.Secret != "" {
		signer, err := NewSigner(o.HTTP.Secret)
		if err != nil {
			return nil, err
		}
		s.signer = signer
	}
	if o.HTTP.Shopify.Secret != "" {
		s.shopify = []byte(o.HTTP.Shopify.Secret)
	}
	js, err := jetstream.New(o.Conn, jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncTimeout(o.StoreTimeout))
	if err != nil {
		return nil, fmt.Errorf("http ingest: %w", err)
	}
	s.js = js
	return s, nil
}

// Collector returns the metric ordertrack_ingest_http_requests_total
// {endpoint,code}, to register on the monitor.
func (s *Source) Collector() prometheus.Collector { return s.requests }

// Addr is the address the source listens on.
func (s *Source) Addr() net.Addr { return s.opts.Listener.Addr() }

// Handler returns the source's routes: /v1/events, and
// /v1/webhooks/shopify when ingest.http.shopify.secret is set.
func (s *Source) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(PathEvents, s.bounded("events", http.HandlerFunc(s.events)))
	if s.shopify != nil {
		mux.Handle(PathShopify, s.bounded("shopify", http.HandlerFunc(s.shopifyWebhook)))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

// Run serves until ctx ends, then stops taking requests and lets those in
// flight finish storing and answer (at most stopWithin).
func (s *Source) Run(ctx context.Context) error {
	srv := httpserver.New(s.Handler(), httpserver.Limits{})
	srv.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.opts.Listener) }()
	s.status.set(StateRunning, "", s.opts.Now())
	defer func() { s.status.set(StateStopped, "", s.opts.Now()) }()
	s.log.Info("taking events over HTTP", "listen", s.opts.Listener.Addr().String(), "shopify", s.shopify != nil)
	select {
	case err := <-errc:
		return fmt.Errorf("http ingest on %s: %w", s.opts.Listener.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), stopWithin)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("http ingest stop: %w", err)
	}
	return nil
}

// bounded counts the endpoint's answers and serves at most MaxInFlight
// requests at once: beyond, 503 with Retry-After at once.
func (s *Source) bounded(endpoint string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			s.requests.count(endpoint, rec.code)
			s.status.requests.Add(1)
		}()
		select {
		case s.inFlight <- struct{}{}:
			defer func() { <-s.inFlight }()
		default:
			unavailable(rec, "too many requests in flight; retry")
			return
		}
		h.ServeHTTP(rec, r)
	})
}

// tokenOK reports whether r carries Authorization: Bearer <token>,
// compared in constant time (as digests, so that not even the length
// leaks).
func (s *Source) tokenOK(r *http.Request) (present, ok bool) {
	auth := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(auth) < len(prefix) || !equalFold(auth[:len(prefix)], prefix) {
		return auth != "", false
	}
	if s.token == nil {
		return true, false
	}
	h := sha256.Sum256([]byte(auth[len(prefix):]))
	return true, subtle.ConstantTimeCompare(h[:], s.token) == 1
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status code a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}
