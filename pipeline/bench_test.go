package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/generator"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// BenchmarkPipeline measures the pipeline end to end against an embedded
// file-storage server: b.N events of the sample scenario (full lifecycles
// interleaved across orders) are published asynchronously and the clock
// stops when every output is stored. Reports events/s.
func BenchmarkPipeline(b *testing.B) {
	cfg := config.Default()
	cfg.Output.Console = false
	js := benchJetStream(b)
	prov, err := contract.Provision(context.Background(), js, cfg, testLog())
	if err != nil {
		b.Fatal(err)
	}
	msgs := sampleMsgs(b, cfg, b.N)
	stored := make(chan int, 1024)
	p := pipeline.New(js, prov, pipeline.Options{Config: cfg, Log: testLog(), OnUpdates: func(us []order.Update) { stored <- len(us) }})
	pipelinetest.StartPipeline(b, p)

	b.ResetTimer()
	begin := time.Now()
	for _, m := range msgs {
		if _, err := js.PublishMsgAsync(m, jetstream.WithStallWait(30*time.Second)); err != nil {
			b.Fatal(err)
		}
	}
	for got := 0; got < len(msgs); {
		select {
		case n := <-stored:
			got += n
		case <-time.After(60 * time.Second):
			b.Fatalf("%d of %d outputs stored", got, len(msgs))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(msgs))/time.Since(begin).Seconds(), "events/s")
}

// benchJetStream starts an embedded JetStream server for b and connects.
func benchJetStream(b *testing.B) jetstream.JetStream {
	b.Helper()
	return pipelinetest.RunJetStream(b, pipelinetest.JSOptions(jetstream.WithPublishAsyncMaxPending(4096))).JS
}

// sampleMsgs prepares n input messages of the sample scenario.
func sampleMsgs(b *testing.B, cfg config.Config, n int) []*nats.Msg {
	b.Helper()
	g, err := generator.New(generator.Config{Scenario: generator.Sample, Seed: 1, Orders: (n + 3) / 4,
		Rules: cfg.Rules(), Start: time.Now(), Rate: 50_000, IDPrefix: fmt.Sprintf("BP%d-", n)})
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([]*nats.Msg, 0, n)
	for len(msgs) < n {
		em, ok := g.Next()
		if !ok {
			break
		}
		m := nats.NewMsg(testTopo.EventSubject(em.Event.OrderID))
		m.Data = g.JSON(em.Event)
		m.Header.Set(jetstream.MsgIDHeader, em.Event.EventID)
		msgs = append(msgs, m)
	}
	return msgs
}
