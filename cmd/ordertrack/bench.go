package main

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/pipeline/bench"
)

func (m *Main) benchCommand() *cobra.Command {
	var o bench.Options
	var phases []string
	var open string
	var asJSON bool
	var load configLoader
	cmd := command("bench [--phases LIST] [--events N] [--rate N] [--json] [flags]",
		"measure throughput, latency, breach lateness and memory on this machine", nil)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := bench.CheckPhases(phases); err != nil {
			return usagef(cmd, "--phases: %v", err)
		}
		counts, err := bench.ParseCounts(open)
		if err != nil {
			return usagef(cmd, "--open-orders: %v", err)
		}
		o.Phases, o.OpenOrders = phases, counts
		return m.benchCmd(cmd.Context(), load, o, asJSON)
	}
	fs := cmd.Flags()
	fs.IntVar(&o.Events, "events", 200_000, "events of the throughput phase (and messages of the raw baseline)")
	fs.Float64Var(&o.Rate, "rate", 10_000, "offered events/s of the latency phase")
	fs.DurationVar(&o.LatencyDuration, "latency-duration", 30*time.Second, "duration of the latency phase")
	fs.IntVar(&o.Deadlines, "deadlines", 10_000, "SLA deadlines falling due in the breach phase")
	fs.StringVar(&open, "open-orders", "100000,1000000", "open orders of the memory phase, comma-separated")
	fs.StringSliceVar(&phases, "phases", bench.Phases, "phases to run, comma-separated")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON instead of a table")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the throughput phase to FILE")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write a heap profile to FILE once the first memory phase has loaded its orders")
	fs.DurationVar(&o.Budget, "budget", 270*time.Second, "time budget: memory phases shrink or are skipped to stay within it")
	fs.StringVar(&o.Dir, "dir", "", "directory for the temporary stores (default: the system temp dir)")
	load = m.rawConfigFlags(cmd) // bench.Run turns the generator off, so no demo SLAs
	return cmd
}

// benchCmd runs the bench with the configuration's streaming and SLA
// settings, progress on stderr, and prints the report.
func (m *Main) benchCmd(ctx context.Context, load configLoader, o bench.Options, asJSON bool) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	if cfg.Log.Level != "debug" {
		cfg.Log.Level = "warn" // the pipeline's warnings and errors only
	}
	o.Config, o.Log, o.Progress = cfg, m.logger(cfg), m.Stderr
	defer applyMemoryLimit(cfg, o.Log)()
	r, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if asJSON {
		err = r.WriteJSON(m.Stdout)
	} else {
		r.WriteTable(m.Stdout)
	}
	if err == nil && len(r.Errors) > 0 {
		err = errors.New("some phases failed (see the report)")
	}
	return err
}
