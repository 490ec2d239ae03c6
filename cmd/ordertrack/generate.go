package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/generator"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
)

// generateOpts are the generate command's own flags: the load, then how
// to show it.
type generateOpts struct {
	ingest.Load
	dryRun, json, progress bool
}

func (m *Main) generateCommand() *cobra.Command {
	var o generateOpts
	var load configLoader
	cmd := command("generate [--scenario S] [--rate N] [--orders N] [--duration D] [--seed N] [flags]",
		"generate demo or load events (scenarios sample, realistic)",
		func(cmd *cobra.Command, _ []string) error {
			return m.generateCmd(cmd.Context(), load, o, cmd.Flags().Changed("seed"))
		})
	fs := cmd.Flags()
	fs.StringVar(&o.Scenario, "scenario", "", `"sample" (clean lifecycles) or "realistic" (every outcome and anomaly); default generator.scenario`)
	fs.Float64Var(&o.Rate, "rate", -1, "events per second; 0 = as fast as possible (default generator.rate)")
	fs.IntVar(&o.Orders, "orders", 0, "stop after this many orders (0 = no limit)")
	fs.DurationVar(&o.Duration, "duration", 0, "stop after this long (0 = no limit; Ctrl+C stops too)")
	fs.Int64Var(&o.Seed, "seed", 0, "random seed: the same seed gives the same events (default generator.seed, 0 = random)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the events instead of publishing them (needs --orders or --duration)")
	fs.BoolVar(&o.json, "json", false, "with --dry-run: print the events as JSON lines (input for 'ordertrack publish')")
	fs.BoolVar(&o.progress, "progress", false, "show the progress bar even when stderr is not a terminal")
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) generateCmd(ctx context.Context, load configLoader, o generateOpts, seedSet bool) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	o.Load = o.WithDefaults(cfg.Generator, seedSet, time.Now())
	if o.dryRun && o.Orders == 0 && o.Duration == 0 {
		return errors.New("--dry-run needs --orders or --duration, or it would print forever")
	}
	g, start, err := ingest.NewGenerator(cfg, o.Load, time.Now())
	if err != nil {
		return err
	}
	if o.dryRun {
		return m.printEmissions(ctx, g, o, start)
	}
	return m.publishEmissions(ctx, cfg, g, o, start)
}

// printEmissions writes the emissions to stdout without publishing: JSON
// lines with --json, else one readable line each. --duration is virtual time.
func (m *Main) printEmissions(ctx context.Context, g *generator.Generator, o generateOpts, start time.Time) error {
	var t ingest.Tally
	for ctx.Err() == nil {
		em, ok := g.Next()
		if !ok || (o.Duration > 0 && em.At.Sub(start) > o.Duration) {
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
		fmt.Fprintln(m.Stdout, t.Summary(time.Duration(0), o.Seed, true))
		fmt.Fprintln(m.Stdout, timeline(g, o, start))
	}
	return nil
}

// timeline says how event times relate to the wall clock: a backfill in
// the past (rate 0), or real time.
func timeline(g *generator.Generator, o generateOpts, start time.Time) string {
	if o.Rate > 0 {
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
	c, err := broker.Dial(cfg.NATS, "ordertrack generate", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	t := &ingest.Tally{}
	bar := m.newProgress(o, g.EventsPerOrder(), t)
	bar.start()
	start := time.Now()
	err = ingest.PublishAll(ctx, c.NC, contract.TopologyOf(cfg), g, o.Load, t)
	bar.stop(ctx.Err() == nil)
	fmt.Fprintln(m.Stdout, t.Summary(time.Since(start), o.Seed, false))
	fmt.Fprintln(m.Stdout, timeline(g, o, virtualStart))
	return err
}

// sleepUntil waits until t and reports whether ctx is still live.
var sleepUntil = contract.SleepUntil
