package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/group"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/ingest/kafka"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// sources are run's ingest sources (SPEC section 16) that are enabled:
// actors that start after the pipeline and stop before it, their
// metrics, and what /readyz asks them.
type sources struct {
	metrics *ingest.Metrics
	kafka   *kafka.Source
}

// newSources builds the enabled sources of cfg on c's connection.
func (m *Main) newSources(cfg config.Config, c *broker.Conn, topo contract.Topology, log *slog.Logger) (*sources, error) {
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
	return s, nil
}

// actors are the sources as run's actors, in start order.
func (s *sources) actors() []group.Actor {
	var out []group.Actor
	if s.kafka != nil {
		out = append(out, group.Actor{Name: "kafka source", Run: s.kafka.Run})
	}
	return out
}

// statuses are the sources' states for the heartbeat (status' "ingest").
func (s *sources) statuses() []ownership.Source {
	var out []ownership.Source
	if s.kafka != nil {
		out = append(out, s.kafka.Status())
	}
	return out
}

// collectors are the sources' metrics for /metrics.
func (s *sources) collectors() []prometheus.Collector {
	out := []prometheus.Collector{s.metrics}
	if s.kafka != nil {
		out = append(out, s.kafka)
	}
	return out
}

// stalled says which enabled source cannot make progress for longer than
// ack_wait, or "" (for /readyz).
func (s *sources) stalled(cfg config.Config) func(context.Context) string {
	return func(context.Context) string {
		if s.kafka != nil {
			return s.kafka.Stalled(cfg.Streaming.AckWait)
		}
		return ""
	}
}
