package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/generator"
)

// Demo publishes generated orders in real time until ctx is done.
func Demo(ctx context.Context, js jetstream.JetStream, topo contract.Topology, cfg config.Config, log *slog.Logger) error {
	seed := cfg.Generator.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	start := time.Now()
	g, err := generator.New(generator.Config{
		Scenario: cfg.Generator.Scenario, Seed: seed, Rules: cfg.Rules(),
		Start: start, Rate: cfg.Generator.Rate, IDPrefix: fmt.Sprintf("ORD-%04X-", seed&0xffff),
	})
	if err != nil {
		return err
	}
	log.Info("demo generator started", "scenario", cfg.Generator.Scenario, "rate", cfg.Generator.Rate, "seed", seed)
	for {
		em, ok := g.Next()
		if !ok {
			return nil
		}
		if !contract.SleepUntil(ctx, em.At) {
			return nil
		}
		if _, err := js.PublishMsg(ctx, Msg(topo, g, em)); err != nil {
			log.Warn("demo event not published", "order", em.Event.OrderID, "err", err)
		}
	}
}

// Msg is the input message of a generated event. A deliberate duplicate
// carries no Nats-Msg-Id, so that it reaches the pipeline.
func Msg(topo contract.Topology, g *generator.Generator, em generator.Emission) *nats.Msg {
	return EventMsg(topo.EventSubject(em.Event.OrderID), g.JSON(em.Event), em.Event.EventID, !em.Duplicate)
}

// EventMsg is one input event; with dedupe its event id becomes the
// Nats-Msg-Id so the stream drops producer retries.
func EventMsg(subject string, data []byte, eventID string, dedupe bool) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Data = data
	if dedupe && eventID != "" {
		m.Header.Set(jetstream.MsgIDHeader, eventID)
	}
	return m
}
