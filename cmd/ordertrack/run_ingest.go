package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/group"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/ingest/httpsource"
	"github.com/ordertrack/ordertrack/pipeline/ingest/kafka"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// sources are run's ingest sources (SPEC section 16) that are enabled:
// actors that start after the pipeline and stop before it, their
// metrics, and what /readyz asks them.
type sources struct {
	metrics *ingest.Metrics
	kafka   *kafka.Source
	http    *httpsource.Source
}

// listenIngest binds ingest.http.listen (nil when it is ""), first, so
// that a port clash is reported before the embedded server starts.
func listenIngest(cfg config.Config) (net.Listener, error) {
	if cfg.Ingest.HTTP.Listen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.Ingest.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("ingest.http.listen: %w", err)
	}
	return ln, nil
}

// newSources builds the enabled sources of cfg on c's connection.
// httpLn is the bound ingest.http.listen, nil when off.
func (m *Main) newSources(cfg config.Config, c *broker.Conn, topo contract.Topology, httpLn net.Listener, log *slog.Logger) (*sources, error) {
	s := &sources{metrics: ingest.NewMetrics()}
	if cfg.Ingest.Kafka.Enabled {
		k := cfg.Ingest.Kafka
		src, err := kafka.New(kafka.Options{Kafka: k, Mapping: cfg.Ingest.Mapping, Conn: c.NC, Topology: topo,
			MaxSkew: cfg.SLA.MaxClockSkew, InstanceID: cfg.Instance.Name, Metrics: s.metrics, Log: log})
		if err != nil {
			return nil, err
		}
		s.kafka = src
		fmt.Fprintf(m.Stdout, "Kafka: group %s on %s at %s\n", k.Group, strings.Join(k.Topics, ", "), strings.Join(k.Brokers, ", "))
	}
	if httpLn != nil {
		h := cfg.Ingest.HTTP
		src, err := httpsource.New(httpsource.Options{HTTP: h, Mapping: cfg.Ingest.Mapping, Listener: httpLn, Conn: c.NC,
			Topology: topo, MaxSkew: cfg.SLA.MaxClockSkew, Metrics: s.metrics, Log: log})
		if err != nil {
			return nil, err
		}
		s.http = src
		fmt.Fprintf(m.Stdout, "HTTP ingest: POST http://%s%s", httpLn.Addr(), httpsource.PathEvents)
		if h.Shopify.Secret != "" {
			fmt.Fprintf(m.Stdout, ", %s", httpsource.PathShopify)
		}
		fmt.Fprintln(m.Stdout)
	}
	return s, nil
}

// actors are the sources as run's actors, in start order.
func (s *sources) actors() []group.Actor {
	var out []group.Actor
	if s.kafka != nil {
		out = append(out, group.Actor{Name: "kafka source", Run: s.kafka.Run})
	}
	if s.http != nil {
		out = append(out, group.Actor{Name: "http source", Run: s.http.Run})
	}
	return out
}

// statuses are the sources' states for the heartbeat (status' "ingest").
func (s *sources) statuses() []ownership.Source {
	var out []ownership.Source
	if s.kafka != nil {
		out = append(out, s.kafka.Status())
	}
	if s.http != nil {
		out = append(out, s.http.Status())
	}
	return out
}

// collectors are the sources' metrics for /metrics.
func (s *sources) collectors() []prometheus.Collector {
	out := []prometheus.Collector{s.metrics}
	if s.kafka != nil {
		out = append(out, s.kafka)
	}
	if s.http != nil {
		out = append(out, s.http.Collector())
	}
	return out
}

// stalled says which enabled source cannot make progress for longer than
// ack_wait, or "" (for /readyz).
func (s *sources) stalled(cfg config.Config) func(context.Context) string {
	return func(context.Context) string {
		var why []string
		if s.kafka != nil {
			why = append(why, s.kafka.Stalled(cfg.Streaming.AckWait))
		}
		if s.http != nil {
			why = append(why, s.http.Stalled(cfg.Streaming.AckWait))
		}
		return strings.Join(slices.DeleteFunc(why, func(w string) bool { return w == "" }), "; ")
	}
}
