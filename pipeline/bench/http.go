package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/ingest/httpsource"
)

// HTTP phase shape: NDJSON batches of httpBatch events posted by
// httpClients concurrent clients.
const (
	httpBatch   = 100
	httpClients = 8
	// httpTarget is the least share of direct publishing's rate the HTTP
	// source must store at.
	httpTarget = 0.5
	httpToken  = "bench-token"
)

// benchHTTP compares the HTTP source with direct publishing in one run,
// two rounds of each, alternating, the best of each reported (the host is
// shared): Events ORDER_PLACED events published to ORDER_EVENTS as
// 'ordertrack publish' does, and as many other events posted to
// /v1/events on loopback as JSON lines, httpBatch a request, by
// httpClients clients at once, timed from the first request until the
// last is answered (a 200 means every event of it is stored). No
// pipeline runs: both sides are timed to ORDER_EVENTS.
func (r *benchRun) benchHTTP(ctx context.Context) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	n := r.opts.Events
	ts := time.Now().Add(-time.Hour)
	var direct, rate float64
	var answers []time.Duration
	for round := range 2 {
		d, err := r.directRun(e, n, round, ts)
		if err != nil {
			return err
		}
		took, times, err := r.httpRun(ctx, e, n, round, ts)
		if err != nil {
			return err
		}
		direct = max(direct, d)
		if h := perSecond(n, took); h > rate {
			rate, answers = h, times
		}
	}
	slices.Sort(answers)
	shape := fmt.Sprintf("%d clients, %d events a request", httpClients, httpBatch)
	r.report.add("http", "direct NATS publish (as ordertrack publish)", direct, "events/s").Note = "best of 2"
	r.report.add("http", "HTTP source, first request to last answered", rate, "events/s").Note = "best of 2; " + shape
	r.report.atLeast("http", "HTTP source / direct publish", rate/direct, "x", httpTarget)
	r.report.add("http", "p50 answer time", ms(percentile(answers, 0.50)), "ms").Note = "of the best round"
	r.report.add("http", "p99 answer time", ms(percentile(answers, 0.99)), "ms").Note = "of the best round"
	return nil
}

// httpRun serves an HTTP source on loopback and posts n events to it; it
// returns the time from the first request to the last answer and each
// request's answer time.
func (r *benchRun) httpRun(ctx context.Context, e *benchEnv, n, round int, ts time.Time) (time.Duration, []time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	h := r.cfg.Ingest.HTTP
	h.Listen, h.Token = ln.Addr().String(), httpToken
	src, err := httpsource.New(httpsource.Options{HTTP: h, Mapping: r.cfg.Ingest.Mapping, Listener: ln, Conn: e.pipeNC,
		Topology: e.prov.Topology, MaxSkew: r.cfg.SLA.MaxClockSkew, Log: r.log})
	if err != nil {
		ln.Close()
		return 0, nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- src.Run(sctx) }()
	defer func() { stop(); <-done }()

	bodies := httpBodies(n, round, ts)
	client := &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: httpClients, DisableCompression: true}}
	defer client.CloseIdleConnections()
	url := "http://" + ln.Addr().String() + httpsource.PathEvents
	work := make(chan []byte, len(bodies))
	for _, b := range bodies {
		work <- b
	}
	close(work)
	times := make([][]time.Duration, httpClients)
	errs := make([]error, httpClients)
	var wg sync.WaitGroup
	begin := time.Now()
	for c := range httpClients {
		wg.Go(func() {
			for body := range work {
				t0 := time.Now()
				if err := postBatch(ctx, client, url, body); err != nil {
					errs[c] = err
					return
				}
				times[c] = append(times[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	took := time.Since(begin)
	for _, err := range errs {
		if err != nil {
			return 0, nil, err
		}
	}
	return took, slices.Concat(times...), nil
}

// httpBodies are n ORDER_PLACED events as JSON lines, httpBatch a body.
func httpBodies(n, round int, ts time.Time) [][]byte {
	var bodies [][]byte
	for start := 0; start < n; start += httpBatch {
		var b bytes.Buffer
		for i := start; i < min(start+httpBatch, n); i++ {
			id := benchOrderID(fmt.Sprintf("HH%d", round), i)
			b.Write(placedEvent(id, (4*round+2)*n+i, ts))
			b.WriteByte('\n')
		}
		bodies = append(bodies, b.Bytes())
	}
	return bodies
}

// postBatch posts one body and checks that every event of it is stored.
func postBatch(ctx context.Context, client *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", httpsource.TypeNDJSON)
	req.Header.Set("Authorization", "Bearer "+httpToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var a struct {
		Stored       int `json:"stored"`
		DeadLettered int `json:"dead_lettered"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &a) != nil || a.DeadLettered != 0 ||
		a.Stored != bytes.Count(body, []byte("\n")) {
		return fmt.Errorf("POST %s: %d %s", httpsource.PathEvents, resp.StatusCode, bytes.TrimSpace(raw))
	}
	return nil
}
