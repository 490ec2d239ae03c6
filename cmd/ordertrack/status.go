package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/health"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

func (m *Main) statusCommand() *cobra.Command {
	var load configLoader
	cmd := command("status [--watch] [--interval D] [--json] [--orders=false] [flags]",
		"show progress: per-partition lag, rates, open orders, timers, breaches, dead letters", nil)
	fs := cmd.Flags()
	watch := fs.Bool("watch", false, "refresh in place every --interval until interrupted")
	interval := fs.Duration("interval", monitor.RateSpan, "time the rates are averaged over: status samples this long; --watch refreshes every fifth of it, with the rates of the last --interval")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	orders := fs.Bool("orders", true, "count orders by status and pending SLA timers (reads every stored order once; --watch then follows the changes)")
	load = m.configFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return m.statusCmd(cmd.Context(), load, *watch, *interval, *asJSON, *orders)
	}
	return cmd
}

func (m *Main) statusCmd(ctx context.Context, load configLoader, watch bool, interval time.Duration, asJSON, orders bool) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	if interval <= 0 {
		return fmt.Errorf("--interval must be positive")
	}
	c, err := broker.Dial(cfg.NATS, "ordertrack status", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	st := monitor.StatusReader{JS: c.JS, Topology: contract.TopologyOf(cfg),
		Webhooks: cfg.Notify.Names}
	if orders && watch {
		// Read every stored order once, then follow the changes, as the
		// dashboard does; counts show once the first read ended.
		model := monitor.NewReadModel(c.JS, cfg.Rules, nil)
		mctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); model.Run(mctx) }()
		defer func() { stop(); <-done }()
		st = st.ReadingOrders(model)
	} else if orders {
		st = st.CountingOrders(cfg.Rules())
	}
	if !watch {
		fmt.Fprintf(m.Stderr, "Sampling for %s to average the rates (--interval)\n", interval)
	}
	first, err := sampleStatus(ctx, st)
	if err != nil {
		return err
	}
	window := monitor.RateWindow{Span: interval}
	window.Add(first)
	step := interval
	if watch {
		step = interval / monitor.RateSamples
	}
	for {
		if !sleepUntil(ctx, time.Now().Add(step)) {
			return nil
		}
		from, _ := window.From(time.Now())
		r, cur, err := reportStatus(ctx, st, from)
		if err != nil {
			return err
		}
		window.Add(cur)
		if watch && !asJSON {
			fmt.Fprint(m.Stdout, "\033[H\033[2J") // clear the screen: refresh in place
		}
		if asJSON {
			if err := json.NewEncoder(m.Stdout).Encode(r); err != nil {
				return err
			}
		} else {
			printStatus(m.Stdout, r, c.NC.ConnectedUrlRedacted())
		}
		if !watch {
			return nil
		}
	}
}

func sampleStatus(ctx context.Context, st monitor.StatusReader) (monitor.Sample, error) {
	ctx, cancel := context.WithTimeout(ctx, health.Timeout)
	defer cancel()
	return st.Sample(ctx)
}

func reportStatus(ctx context.Context, st monitor.StatusReader, prev monitor.Sample) (monitor.Status, monitor.Sample, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*health.Timeout)
	defer cancel()
	return st.Report(ctx, prev)
}

func printStatus(w io.Writer, r monitor.Status, url string) {
	fmt.Fprintf(w, "ordertrack status - %s - %s\n\n", url, r.At.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "Input:      %d events stored, %d processed\n", r.Stored, r.Processed)
	fmt.Fprintf(w, "Rates:      input %.1f events/s, processing %.1f events/s (over %.1fs)\n\n", r.InputRate, r.ProcessRate, r.Interval)
	printPartitions(w, r.Partitions)
	printInstances(w, r.Instances)
	printIngest(w, r.Ingest)
	if r.Orders != nil {
		fmt.Fprintf(w, "\nOpen orders:     %s", countsLine(r.Orders, names(order.OpenStages)))
		fmt.Fprintf(w, "   (closed: %s)\n", countsLine(r.Orders, names(order.ClosedStages)))
	}
	slas := names(order.SLAs)
	if r.Timers != nil {
		fmt.Fprintf(w, "SLA timers:      %s\n", countsLine(r.Timers, slas))
	}
	fmt.Fprintf(w, "SLA breaches:    %s   (retractions included)\n", countsLine(r.Breaches, slas))
	fmt.Fprintf(w, "SLA warnings:    %s\n", countsLine(r.Warnings, slas))
	fmt.Fprintf(w, "Dead letters:    %s\n", countsLine(r.DeadLetters, slices.Sorted(maps.Keys(r.DeadLetters))))
	printWebhooks(w, r.Webhooks)
}

func printPartitions(w io.Writer, ps []monitor.PartitionStatus) {
	fmt.Fprintf(w, "%-9s %9s %11s %11s %7s %9s  %s\n", "partition", "pending", "ack_pending", "redelivered", "checks", "behind", "owner")
	var tot monitor.PartitionStatus
	for _, p := range ps {
		owner := "-"
		switch {
		case p.Owner != "" && !p.OwnerSince.IsZero():
			owner = fmt.Sprintf("%s (pinned since %s)", p.Owner, p.OwnerSince.UTC().Format(time.RFC3339))
		case p.Owner != "":
			owner = p.Owner + " (idle, not pinned yet)"
		default:
			owner = "none: no instance owns this partition"
		}
		fmt.Fprintf(w, "%-9d %9d %11d %11d %7d %8.1fs  %s\n", p.Partition, p.Pending, p.AckPending, p.Redelivered, p.ChecksPending, p.BehindSeconds, owner)
		tot.Pending, tot.AckPending, tot.Redelivered, tot.ChecksPending = tot.Pending+p.Pending, tot.AckPending+p.AckPending, tot.Redelivered+p.Redelivered, tot.ChecksPending+p.ChecksPending
	}
	fmt.Fprintf(w, "%-9s %9d %11d %11d %7d\n", "total", tot.Pending, tot.AckPending, tot.Redelivered, tot.ChecksPending)
}

// printInstances lists the running instances and what each owns.
func printInstances(w io.Writer, ins []monitor.Instance) {
	fmt.Fprintf(w, "\nInstances:  %d\n", len(ins))
	for _, in := range ins {
		fmt.Fprintf(w, "  %-24s partitions %-16s since %s  version %s  config %s (loaded %s)\n", in.Name,
			strings.Trim(fmt.Sprint(in.Partitions), "[]"), in.Since.UTC().Format(time.RFC3339), in.Version,
			in.ConfigHash, in.ConfigLoadedAt.UTC().Format(time.RFC3339))
		if rp := in.Recompute; rp != nil {
			fmt.Fprintf(w, "  %-24s recompute since %s: %d of %d open orders listed\n", "",
				rp.Started.UTC().Format(time.RFC3339), rp.Listed, rp.Total)
		}
	}
}

// printIngest lists the ingest sources of the instances: Kafka with
// their partitions, committed offsets and lag, HTTP with its address and
// requests.
func printIngest(w io.Writer, srcs []ownership.Source) {
	if len(srcs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nIngest:     %d sources\n", len(srcs))
	for _, s := range srcs {
		where := fmt.Sprintf("group %s, topics %s", s.Group, strings.Join(s.Topics, ","))
		if s.Listen != "" {
			where = fmt.Sprintf("listening on %s, %d requests", s.Listen, s.Requests)
		}
		fmt.Fprintf(w, "  %s on %s: %s since %s, %s; stored %d, dead-lettered %d\n", s.Source, s.Instance, s.State,
			s.Since.UTC().Format(time.RFC3339), where, s.Stored, s.DeadLettered)
		if s.Error != "" {
			fmt.Fprintf(w, "    error: %s\n", s.Error)
		}
		var parts []string
		for _, p := range s.Partitions {
			parts = append(parts, fmt.Sprintf("%s/%d committed %d lag %d", p.Topic, p.Partition, p.Committed, p.Lag))
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "    partitions: %s\n", strings.Join(parts, "; "))
		}
	}
}

// countsLine formats "name n" pairs in the given order, or "none".
func countsLine(m map[string]uint64, names []string) string {
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, m[n]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// names lists stages or SLAs as strings.
func names[T ~string](ss []T) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}
