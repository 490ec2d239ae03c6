package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/httpserver"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Options configure a Server.
type Options struct {
	// Listen is the host:port to serve on (monitor.listen); port 0 picks a
	// free port (see Server.Addr).
	Listen string
	// Listener, if set, is served instead of listening on Listen (so a
	// caller can bind early and report a port clash at once).
	Listener net.Listener
	// Conn and JS reach the NATS server the pipeline uses.
	Conn *nats.Conn
	JS   jetstream.JetStream
	// Topology names the partitions' consumers.
	Topology contract.Topology
	// Stats are the counters of the pipeline in this process; nil exports
	// only what NATS says.
	Stats *pipeline.Stats
	// Log receives the server's logs; default: discard.
	Log *slog.Logger
	// Collectors are more metrics for /metrics (the notifier's, the
	// configuration reloads).
	Collectors []prometheus.Collector
	// NoReadModel turns the read model of the ORDERS bucket off (no KV
	// watch): no order counts, pending timers, attainment or at-risk list.
	// Default false.
	NoReadModel bool
	// StatusEvery is how often the dashboard's status and rate chart are
	// sampled; default 2s.
	StatusEvery time.Duration
	// AuthToken is monitor.auth_token: when set, every path but /healthz
	// and /readyz needs it as a bearer token. Never logged. Without it,
	// only requests whose Host names this machine are answered.
	AuthToken string
	// MaxStreams is monitor.max_streams, the most /api/events clients
	// served at once (503 beyond); default DefaultMaxStreams.
	MaxStreams int
	// Limits bound the HTTP server: timeouts, per write on an event
	// stream too, and the header size; zero fields take
	// httpserver's defaults.
	Limits httpserver.Limits
	// Rules returns the SLAs in force, which deadlines are computed with
	// (order stories, the at-risk list); called per request and per scan,
	// so a reload is seen. Default: order.DefaultRules().
	Rules func() order.Rules
	// Stalled, if set, says why an ingest source run hosts cannot make
	// progress ("" when it can); /readyz then fails with it.
	Stalled func(context.Context) string
	// Webhooks, if set, names the configured webhooks whose backlog
	// /api/status reports (live: read at each sample).
	Webhooks func() []string
	// Retention is retention.completed_orders, named when an order is not
	// found.
	Retention time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Server serves /metrics, /healthz, /readyz, the dashboard at / and its
// JSON APIs under /api/.
type Server struct {
	opts Options
	log  *slog.Logger
	ln   net.Listener
	http *http.Server
	ctx  context.Context // done when the server stops: ends event streams
	stop context.CancelFunc
	wg   sync.WaitGroup
	once sync.Once
	fail chan error // the HTTP server's failure, at most one
	now  func() time.Time

	limits  httpserver.Limits
	streams chan struct{} // one token per event stream served
	tickets tickets

	rules   func() order.Rules
	sampler *sampler
	feed    *feed
	orders  *ReadModel // nil with NoReadModel

	predictions predictionCache // /api/predictions
}

// Start listens on o.Listen and serves until Stop.
func Start(o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.StatusEvery <= 0 {
		o.StatusEvery = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = DefaultMaxStreams
	}
	ln := o.Listener
	if ln == nil {
		var err error
		if ln, err = Listen(o.Listen); err != nil {
			return nil, err
		}
	}
	if o.Rules == nil {
		o.Rules = order.DefaultRules
	}
	s := &Server{opts: o, log: o.Log, ln: ln, now: o.Now, rules: o.Rules, fail: make(chan error, 1),
		limits: o.Limits.WithDefaults(), streams: make(chan struct{}, o.MaxStreams)}
	reader := StatusReader{JS: o.JS, Topology: o.Topology, Webhooks: o.Webhooks}
	if !o.NoReadModel {
		s.orders = NewReadModel(o.JS, o.Rules, s.log)
		reader = reader.ReadingOrders(s.orders)
	}
	s.sampler = &sampler{log: s.log, reader: reader, interval: o.StatusEvery}
	s.feed = newFeed(s.log, nil)
	s.http = httpserver.New(secureHeaders(s.authorize(s.handler())), s.limits)
	ctx, cancel := context.WithCancel(context.Background())
	s.ctx, s.stop = ctx, cancel
	if err := s.startDashboard(ctx); err != nil {
		cancel()
		_ = ln.Close()
		return nil, err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("monitor server stopped", "err", err)
			s.fail <- fmt.Errorf("monitor.listen %s: %w", s.Addr(), err)
		}
	}()
	if s.orders != nil {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.orders.Run(ctx) }()
	}
	s.log.Info("monitor listening", "addr", s.Addr(), "dashboard", "http://"+s.Addr()+"/",
		"endpoints", "/metrics /healthz /readyz /api/", "auth", o.AuthToken != "")
	return s, nil
}

// Listen binds monitor.listen; the error names the key and the address.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("monitor.listen %s: %w", addr, err)
	}
	return ln, nil
}

// Err receives the error of an HTTP server that stopped serving on its
// own (not by Stop).
func (s *Server) Err() <-chan error { return s.fail }

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Stop shuts the server down, waiting for requests in flight until ctx is
// done. It is safe to call twice.
func (s *Server) Stop(ctx context.Context) error {
	var err error
	s.once.Do(func() {
		s.stop()
		err = s.http.Shutdown(ctx)
		s.wg.Wait()
	})
	return err
}

// Run serves until ctx is done or the server fails, then closes it (one
// of run's actors).
func (s *Server) Run(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return s.Close()
	case err := <-s.Err():
		_ = s.Close()
		return err
	}
}

// Close stops the server, waiting at most 5 seconds for requests in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Stop(ctx)
}

func (s *Server) handler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{s: s, d: newDescs()})
	reg.MustRegister(s.opts.Collectors...)
	prefixed := prometheus.WrapRegistererWithPrefix(metricPrefix, reg)
	prefixed.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogAdapter{s.log}}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("POST /api/events/ticket", s.apiTicket)
	s.routes(mux)
	s.assets(mux)
	return mux
}

// secureHeaders sets the headers every answer carries: no content-type
// sniffing (a JSON answer is never read as a script or a page).
func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), scrapeTimeout)
	defer cancel()
	warnings, err := Ready(ctx, s.opts.Conn, s.opts.JS, s.opts.Topology)
	if err == nil && s.opts.Stalled != nil {
		if why := s.opts.Stalled(ctx); why != "" {
			err = fmt.Errorf("%w: %s", ErrNotReady, why)
		}
	}
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, err)
	} else {
		fmt.Fprintln(w, "ready")
	}
	for _, l := range warnings {
		fmt.Fprintln(w, "warning: "+l)
	}
}

// slogAdapter lets promhttp log through slog.
type slogAdapter struct{ log *slog.Logger }

// Println logs one promhttp error.
func (a slogAdapter) Println(v ...any) { a.log.Warn("metrics: " + fmt.Sprint(v...)) }
