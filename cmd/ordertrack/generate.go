package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/generator"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// fastVirtualRate spaces order starts in virtual time when --rate is 0 (as
// fast as possible): event timestamps then advance 1 s per 100,000 events.
const fastVirtualRate = 100_000

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
	g, start, err := newLoadGenerator(cfg, o, time.Now())
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

// newLoadGenerator builds the generator of o. With a rate its virtual
// clock starts now and each emission's At is the wall time to publish it:
// event time is publish time. At full speed (rate 0) it is a backfill:
// order starts are spaced as if at fastVirtualRate and the whole run is
// placed in the past (generator.Config.Until = now), so that with any
// SLAs, day-long ones included, no event time is in the future and every
// order's history is complete. The SLAs are cfg's, resolved as for run
// (demo SLAs when run would use them). It returns the virtual start.
func newLoadGenerator(cfg config.Config, o generateOpts, now time.Time) (*generator.Generator, time.Time, error) {
	gc := generator.Config{
		Scenario: o.scenario, Seed: o.seed, Orders: o.orders, Rules: pipeline.RulesFrom(cfg),
		Start: now, Rate: o.rate, IDPrefix: fmt.Sprintf("ORD-%04X-", uint64(o.seed)&0xffff),
	}
	if o.rate == 0 {
		gc.Rate, gc.Until = fastVirtualRate, now
	}
	g, err := generator.New(gc)
	if err != nil {
		return nil, now, err
	}
	return g, g.Start(), nil
}

// printEmissions writes the emissions to stdout without publishing: JSON
// lines with --json, else one readable line each. --duration is virtual time.
func (m *Main) printEmissions(ctx context.Context, g *generator.Generator, o generateOpts, start time.Time) error {
	var t tally
	for ctx.Err() == nil {
		em, ok := g.Next()
		if !ok || (o.duration > 0 && em.At.Sub(start) > o.duration) {
			break
		}
		t.add(em)
		if o.json {
			fmt.Fprintf(m.Stdout, "%s\n", g.JSON(em.Event))
			continue
		}
		fmt.Fprintf(m.Stdout, "+%-10s %-12s %-20s %-18s %s\n", em.At.Sub(start).Truncate(time.Millisecond),
			em.Kind, em.Event.OrderID, em.Event.Type, em.Event.EventID)
	}
	if !o.json {
		fmt.Fprintln(m.Stdout, t.summary(time.Duration(0), o.seed, true))
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
	c, err := dial(cfg, "ordertrack generate", false, log)
	if err != nil {
		return err
	}
	defer c.close()
	var failed atomic.Int64
	var lastErr atomic.Value
	js, err := jetstream.New(c.nc, jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *nats.Msg, err error) {
			failed.Add(1)
			lastErr.Store(err)
		}))
	if err != nil {
		return err
	}
	topo := pipeline.Topology{Prefix: cfg.Subjects.Prefix, Partitions: cfg.Streaming.Partitions}
	t := &tally{}
	bar := m.newProgress(o, g.EventsPerOrder(), t)
	bar.start()
	start := time.Now()
	err = publishLoop(ctx, js, topo, g, o, start, t)
	werr := waitPublished(js, 30*time.Second)
	bar.stop(ctx.Err() == nil)
	fmt.Fprintln(m.Stdout, t.summary(time.Since(start), o.seed, false))
	fmt.Fprintln(m.Stdout, timeline(g, o, virtualStart))
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d of %d events not stored (last error: %v)", n, t.events.Load(), lastErr.Load())
	}
	return errors.Join(err, werr)
}

// publishLoop publishes emissions until one of the stop conditions.
func publishLoop(ctx context.Context, js jetstream.JetStream, topo pipeline.Topology, g *generator.Generator, o generateOpts, start time.Time, t *tally) error {
	end := time.Time{}
	if o.duration > 0 {
		end = start.Add(o.duration)
	}
	for ctx.Err() == nil {
		em, ok := g.Next()
		if !ok {
			return nil
		}
		if o.rate > 0 {
			if !end.IsZero() && em.At.After(end) {
				return nil
			}
			if time.Until(em.At) > time.Millisecond && !sleepUntil(ctx, em.At) {
				return nil
			}
		} else if !end.IsZero() && time.Now().After(end) {
			return nil
		}
		if _, err := js.PublishMsgAsync(emissionMsg(topo, g, em), jetstream.WithStallWait(10*time.Second)); err != nil {
			return fmt.Errorf("publish event %s of order %s: %w", em.Event.EventID, em.Event.OrderID, err)
		}
		t.add(em)
	}
	return nil
}

// waitPublished waits until every async publish is acknowledged.
func waitPublished(js jetstream.JetStream, within time.Duration) error {
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-time.After(within):
		return fmt.Errorf("%d events still unacknowledged after %s", js.PublishAsyncPending(), within)
	}
}

// tally counts what was emitted. events is read by the progress bar while
// the publisher writes; the maps belong to the publisher.
type tally struct {
	events atomic.Int64
	orders int
	kinds  map[string]int
	types  map[order.EventType]int
}

func (t *tally) add(em generator.Emission) {
	if t.kinds == nil {
		t.kinds, t.types = map[string]int{}, map[order.EventType]int{}
	}
	t.events.Add(1)
	t.kinds[em.Kind]++
	t.types[em.Event.Type]++
	if em.Event.Type == order.OrderPlaced && !em.Duplicate {
		t.orders++
	}
}

// summary is the closing line: events, orders, duration, rate, by kind and type.
func (t *tally) summary(d time.Duration, seed int64, dry bool) string {
	n := t.events.Load()
	var b strings.Builder
	verb := "published"
	if dry {
		verb = "generated (dry run)"
	}
	fmt.Fprintf(&b, "%s %d events for %d orders", verb, n, t.orders)
	if d > 0 {
		fmt.Fprintf(&b, " in %s (%.0f events/s)", d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	fmt.Fprintf(&b, "; seed %d\n  by kind: %s\n  by type: %s", seed, counted(t.kinds), counted(t.types))
	return b.String()
}

// counted renders a count map as "a 3, b 1", sorted by name.
func counted[K ~string](m map[K]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[K(k)])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
