package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/feed"
	"github.com/ordertrack/ordertrack/pipeline/generator"
)

// generateOpts are the generate command's own flags.
type generateOpts struct {
	scenario string
	rate     float64
	orders   int
	duration time.Duration
	seed     int64
	dryRun   bool
	json     bool
	progress bool
}

func (m *Main) generateCommand() *cobra.Command {
	var o generateOpts
	var load configLoader
	cmd := command("generate [--scenario S] [--rate N] [--orders N] [--duration D] [--seed N] [flags]",
		"generate demo or load events (scenarios sample, realistic)",
		func(cmd *cobra.Command, _ []string) error {
			return m.generateCmd(cmd.Context(), load, o, cmd.Flags().Changed)
		})
	fs := cmd.Flags()
	fs.StringVar(&o.scenario, "scenario", "", `"sample" (clean lifecycles) or "realistic" (every outcome and anomaly); default generator.scenario`)
	fs.Float64Var(&o.rate, "rate", -1, "events per second; 0 = as fast as possible (default generator.rate)")
	fs.IntVar(&o.orders, "orders", 0, "stop after this many orders (0 = no limit)")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0 = no limit; Ctrl+C stops too)")
	fs.Int64Var(&o.seed, "seed", 0, "random seed: the same seed gives the same events (default generator.seed, 0 = random)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the events instead of publishing them (needs --orders or --duration)")
	fs.BoolVar(&o.json, "json", false, "with --dry-run: print the events as JSON lines (input for 'ordertrack publish')")
	fs.BoolVar(&o.progress, "progress", false, "show the progress bar even when stderr is not a terminal")
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) generateCmd(ctx context.Context, load configLoader, o generateOpts, set func(flag string) bool) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	o = o.withConfig(cfg, set)
	if o.dryRun && o.orders == 0 && o.duration == 0 {
		return errors.New("--dry-run needs --orders or --duration, or it would print forever")
	}
	g, start, err := feed.NewGenerator(cfg, o.load(), time.Now())
	if err != nil {
		return err
	}
	if o.dryRun {
		return m.printEmissions(ctx, g, o, start)
	}
	return m.publishEmissions(ctx, cfg, g, o, start)
}

// withConfig fills the flags left unset from generator.* configuration keys.
func (o generateOpts) withConfig(cfg config.Config, set func(flag string) bool) generateOpts {
	if o.scenario == "" {
		o.scenario = cfg.Generator.Scenario
	}
	if o.rate < 0 {
		o.rate = cfg.Generator.Rate
	}
	if !set("seed") {
		o.seed = cfg.Generator.Seed
	}
	if o.seed == 0 && !set("seed") {
		o.seed = time.Now().UnixNano()
	}
	return o
}

// load is the generator's part of o.
func (o generateOpts) load() feed.Load {
	return feed.Load{Scenario: o.scenario, Seed: o.seed, Orders: o.orders, Rate: o.rate, Duration: o.duration}
}

// printEmissions writes the emissions to stdout without publishing: JSON
// lines with --json, else one readable line each. --duration is virtual time.
func (m *Main) printEmissions(ctx context.Context, g *generator.Generator, o generateOpts, start time.Time) error {
	var t feed.Tally
	for ctx.Err() == nil {
		em, ok := g.Next()
		if !ok || (o.duration > 0 && em.At.Sub(start) > o.duration) {
			break
		}
		t.Add(em)
		if o.json {
			fmt.Fprintf(m.Stdout, "%s\n", g.JSON(em.Event))
			continue
		}
		fmt.Fprintf(m.Stdout, "+%-10s %-12s %-20s %-18s %s\n", em.At.Sub(start).Truncate(time.Millisecond),
			em.Kind, em.Event.OrderID, em.Event.Type, em.Event.EventID)
	}
	if !o.json {
		fmt.Fprintln(m.Stdout, t.Summary(time.Duration(0), o.seed, true))
		fmt.Fprintln(m.Stdout, timeline(g, o, start))
	}
	return nil
}

// timeline says how event times relate to the wall clock: a backfill in
// the past (rate 0), or real time.
func timeline(g *generator.Generator, o generateOpts, start time.Time) string {
	if o.rate > 0 {
		return fmt.Sprintf("  timeline: real time from %s (event time = publish time; later stages follow as the SLAs' delays pass)",
			start.Format(time.RFC3339))
	}
	s := fmt.Sprintf("  timeline: backfill, orders placed from %s so that every event time is in the past (%s ago at most)",
		start.Format(time.RFC3339), time.Since(start).Round(time.Second))
	if g.ReachedUntil() {
		s += "; stopped at the present: orders still in flight have their later stages unpublished"
	}
	return s
}

// publishEmissions publishes the emissions to the input subjects, paced by
// their At unless the rate is 0, until the generator ends, --duration
// passes or ctx is done.
func (m *Main) publishEmissions(ctx context.Context, cfg config.Config, g *generator.Generator, o generateOpts, virtualStart time.Time) error {
	log := m.logger(cfg)
	c, err := broker.Dial(cfg.NATS, "ordertrack generate", false, log)
	if err != nil {
		return err
	}
	defer c.Close()
	var failed atomic.Int64
	var lastErr atomic.Value
	js, err := jetstream.New(c.NC, jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *nats.Msg, err error) {
			failed.Add(1)
			lastErr.Store(err)
		}))
	if err != nil {
		return err
	}
	topo := pipeline.Topology{Prefix: cfg.Subjects.Prefix, Partitions: cfg.Streaming.Partitions}
	t := &feed.Tally{}
	bar := m.newProgress(o, g.EventsPerOrder(), t)
	bar.start()
	start := time.Now()
	err = feed.Publish(ctx, js, topo, g, o.load(), start, t)
	werr := feed.WaitPublished(js, 30*time.Second)
	bar.stop(ctx.Err() == nil)
	fmt.Fprintln(m.Stdout, t.Summary(time.Since(start), o.seed, false))
	fmt.Fprintln(m.Stdout, timeline(g, o, virtualStart))
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d events not stored (last error: %v)", n, t.Events.Load(), lastErr.Load())
	}
	return errors.Join(err, werr)
}

// sleepUntil waits until t and reports whether ctx is still live.
var sleepUntil = pipeline.SleepUntil
