package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
)

// benchPhases lists the phases in the order they run.
var benchPhases = []string{"raw", "ceiling", "throughput", "latency", "breach", "memory"}

// benchOpts size the phases.
type benchOpts struct {
	events     int
	rate       float64
	latencyDur time.Duration
	deadlines  int
	openOrders []int
	phases     map[string]bool
	json       bool
	cpuProfile string
	memProfile string
	budget     time.Duration
	dir        string
}

// benchRun is one bench invocation.
type benchRun struct {
	m           *Main
	opts        benchOpts
	cfg         config.Config
	log         *slog.Logger
	root        string
	report      *benchReport
	began       time.Time
	rawPublish  float64 // raw async publish msgs/s, for the pipeline ratio
	loadRate    float64 // last measured open-orders load rate, for the budget
	pipeRate    float64 // pipeline events/s of the throughput phase
	ceilingRate float64 // events/s of the NATS-only loop, for the pipeline ratio
}

func (m *Main) benchCommand() *cobra.Command {
	var o benchOpts
	var phases, open string
	var load configLoader
	cmd := command("bench [--phases LIST] [--events N] [--rate N] [--json] [flags]",
		"measure throughput, latency, breach lateness and memory on this machine",
		func(cmd *cobra.Command, _ []string) error { return m.benchCmd(cmd.Context(), load, o, phases, open) })
	fs := cmd.Flags()
	fs.IntVar(&o.events, "events", 200_000, "events of the throughput phase (and messages of the raw baseline)")
	fs.Float64Var(&o.rate, "rate", 10_000, "offered events/s of the latency phase")
	fs.DurationVar(&o.latencyDur, "latency-duration", 30*time.Second, "duration of the latency phase")
	fs.IntVar(&o.deadlines, "deadlines", 10_000, "SLA deadlines falling due in the breach phase")
	fs.StringVar(&open, "open-orders", "100000,1000000", "open orders of the memory phase, comma-separated")
	fs.StringVar(&phases, "phases", strings.Join(benchPhases, ","), "phases to run: "+strings.Join(benchPhases, ","))
	fs.BoolVar(&o.json, "json", false, "print the report as JSON instead of a table")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the throughput phase to FILE")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile to FILE once the first memory phase has loaded its orders")
	fs.DurationVar(&o.budget, "budget", 270*time.Second, "time budget: memory phases shrink or are skipped to stay within it")
	fs.StringVar(&o.dir, "dir", "", "directory for the temporary stores (default: the system temp dir)")
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) benchCmd(ctx context.Context, load configLoader, o benchOpts, phases, open string) error {
	var err error
	if o.phases, err = parsePhases(phases); err != nil {
		return err
	}
	if o.openOrders, err = parseCounts(open); err != nil {
		return fmt.Errorf("--open-orders: %w", err)
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	return m.bench(ctx, cfg, o)
}

func parsePhases(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.Contains(","+strings.Join(benchPhases, ",")+",", ","+p+",") {
			return nil, fmt.Errorf("--phases: unknown phase %q (want some of %s)", p, strings.Join(benchPhases, ","))
		}
		out[p] = true
	}
	return out, nil
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.ReplaceAll(strings.TrimSpace(f), "_", "")
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// bench runs the selected phases and prints the report.
func (m *Main) bench(ctx context.Context, cfg config.Config, o benchOpts) error {
	cfg.Output.Console = false
	cfg.Monitor.Listen = ""
	cfg.Generator.Enabled = "false"
	root, cleanup, err := benchRoot(o.dir)
	if err != nil {
		return err
	}
	defer cleanup()
	r := &benchRun{m: m, opts: o, cfg: cfg, log: benchLogger(m, cfg), root: root, began: time.Now()}
	r.report = newBenchReport(map[string]string{
		"partitions": fmt.Sprint(cfg.Streaming.Partitions), "trigger_interval": cfg.Streaming.TriggerInterval.String(),
		"max_batch": fmt.Sprint(cfg.Streaming.MaxBatch), "storage": "file", "server": "embedded, in-process",
	})
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"raw", r.benchRaw}, {"ceiling", r.benchCeiling}, {"throughput", r.benchThroughput}, {"latency", r.benchLatency},
		{"breach", r.benchBreach}, {"memory", r.benchMemory},
	}
	for _, s := range steps {
		if !o.phases[s.name] {
			continue
		}
		r.progress("%s ...", s.name)
		begin := time.Now()
		if err := s.run(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.report.Errors = append(r.report.Errors, fmt.Sprintf("%s: %v", s.name, err))
			r.progress("%s failed after %s: %v", s.name, time.Since(begin).Round(time.Millisecond), err)
			continue
		}
		r.progress("%s done in %s", s.name, time.Since(begin).Round(time.Millisecond))
	}
	r.report.Elapsed = time.Since(r.began).Seconds()
	if o.json {
		err = r.report.writeJSON(m.Stdout)
	} else {
		r.report.writeTable(m.Stdout)
	}
	if err == nil && len(r.report.Errors) > 0 {
		err = errors.New("some phases failed (see the report)")
	}
	return err
}

// progress reports a step on stderr, with the time since the start.
func (r *benchRun) progress(format string, args ...any) {
	fmt.Fprintf(r.m.Stderr, "bench %6.1fs  %s\n", time.Since(r.began).Seconds(), fmt.Sprintf(format, args...))
}

// env starts a fresh server and the pipeline's objects for a phase.
func (r *benchRun) env(ctx context.Context, cfg config.Config) (*benchEnv, error) {
	return newBenchEnv(ctx, r.root, cfg, r.log)
}

// remaining is the time left of the budget.
func (r *benchRun) remaining() time.Duration {
	return r.opts.budget - time.Since(r.began)
}

// benchLogger logs warnings and errors only, unless log.level asks for debug.
func benchLogger(m *Main, cfg config.Config) *slog.Logger {
	if cfg.Log.Level != "debug" {
		cfg.Log.Level = "warn"
	}
	return m.logger(cfg)
}
