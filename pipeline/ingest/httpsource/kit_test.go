package httpsource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/ingest/httpsource"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

const (
	testToken   = "t0ken-for-tests"
	testSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	shopSecret  = "shopify-app-secret"
	testMaxBody = 4096
)

// kit is a JetStream server with the streams provisioned and one source
// serving on a random loopback port.
type kit struct {
	t       *testing.T
	nats    *pipelinetest.JetStream
	cfg     config.Config
	topo    contract.Topology
	metrics *ingest.Metrics
	src     *httpsource.Source
	url     string
	client  *http.Client
}

// setup starts the kit; edit changes ingest.http before the source starts.
func setup(t *testing.T, edit func(*config.HTTPIngest)) *kit {
	t.Helper()
	k := &kit{t: t, nats: pipelinetest.RunJetStream(t, pipelinetest.Reconnecting()), metrics: ingest.NewMetrics(),
		client: &http.Client{Timeout: pipelinetest.WaitTimeout()}}
	k.cfg = config.Default()
	k.cfg.Streaming.Partitions = 2
	k.cfg.Ingest.HTTP = config.HTTPIngest{Listen: "127.0.0.1:0", Token: testToken, Secret: testSecret,
		MaxBody: testMaxBody, Shopify: config.Shopify{Secret: shopSecret}}
	if edit != nil {
		edit(&k.cfg.Ingest.HTTP)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pipelinetest.WaitTimeout())
	defer cancel()
	prov, err := contract.Provision(ctx, k.nats.JS, k.cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	k.topo = prov.Topology
	k.src, k.url = k.start()
	return k
}

// start runs another source on the kit's NATS (another instance) and
// returns it with its base URL; edit, if any, changes its options.
func (k *kit) start(edit ...func(*httpsource.Options)) (*httpsource.Source, string) {
	k.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		k.t.Fatal(err)
	}
	o := httpsource.Options{HTTP: k.cfg.Ingest.HTTP, Mapping: k.cfg.Ingest.Mapping, Listener: ln,
		Conn: k.nats.Conn, Topology: k.topo, MaxSkew: time.Minute, Metrics: k.metrics, StoreTimeout: 2 * time.Second}
	for _, e := range edit {
		e(&o)
	}
	src, err := httpsource.New(o)
	if err != nil {
		k.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	k.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			k.t.Errorf("source run: %v", err)
		}
	})
	return src, "http://" + ln.Addr().String()
}

// post sends body to path with the headers (name, value pairs) and
// returns the status, the answer and the response's headers.
func (k *kit) post(url, path, contentType, body string, headers ...string) (int, string, http.Header) {
	k.t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		k.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := k.client.Do(req)
	if err != nil {
		k.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b)), resp.Header
}

// postEvents posts to /v1/events with the bearer token.
func (k *kit) postEvents(contentType, body string) (int, string) {
	k.t.Helper()
	code, answer, _ := k.post(k.url, httpsource.PathEvents, contentType, body, "Authorization", "Bearer "+testToken)
	return code, answer
}

// read returns the data and headers of every message of stream.
func (k *kit) read(stream string) []jetstream.Msg {
	k.t.Helper()
	return pipelinetest.ReadStream(k.t, k.nats.JS, stream, jetstream.OrderedConsumerConfig{})
}

// datas is the data of msgs, one string each.
func datas(msgs []jetstream.Msg) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Data())
	}
	return out
}

// requests is ordertrack_ingest_http_requests_total{endpoint,code}.
func (k *kit) requests(src *httpsource.Source, endpoint, code string) float64 {
	k.t.Helper()
	return counter(k.t, src.Collector(), "ordertrack_ingest_http_requests_total", "endpoint", endpoint, "code", code)
}

// records is ordertrack_ingest_records_total{source,result}.
func (k *kit) records(source, result string) float64 {
	k.t.Helper()
	return counter(k.t, k.metrics, "ordertrack_ingest_records_total", "source", source, "result", result)
}

func counter(t *testing.T, c prometheus.Collector, name string, labels ...string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	mf := map[string]*dto.MetricFamily{}
	for _, f := range families {
		mf[f.GetName()] = f
	}
	return max(pipelinetest.MetricValue(mf, name, labels...), 0) // absent: none counted
}

// compactJSON re-encodes an answer for exact comparison.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("answer %q is not JSON: %v", s, err)
	}
	return b.String()
}
