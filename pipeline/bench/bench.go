package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"slices"
	"time"

	"github.com/ordertrack/ordertrack/config"
)

// Phases lists the phases in the order they run.
var Phases = []string{"raw", "ceiling", "throughput", "predict", "latency", "ceiling-latency", "breach", "memory", "replay", "kafka", "http"}

// Options size the phases. The command line's defaults are in brackets.
type Options struct {
	// Config is the pipeline's configuration (streaming.*, sla.*). Run
	// turns the console, the monitor and the generator off, and gives every
	// phase its own embedded server.
	Config config.Config
	// Log receives the pipeline's logs (warnings and errors, typically).
	Log *slog.Logger
	// Progress, if set, receives one line per phase started and finished.
	Progress io.Writer

	// Phases to run, from Phases [all]. Unknown names fail Run.
	Phases []string
	// Events of the throughput phase and messages of the raw baseline [200,000].
	Events int
	// Rate is the offered events/s of the latency phase [10,000].
	Rate float64
	// LatencyDuration is how long the latency phase offers Rate [30s].
	LatencyDuration time.Duration
	// Deadlines falling due in the breach phase [10,000].
	Deadlines int
	// OpenOrders of each memory phase [100,000 and 1,000,000].
	OpenOrders []int
	// CPUProfile, if set, is a file for a CPU profile of the throughput phase.
	CPUProfile string
	// MemProfile, if set, is a file for a heap profile taken once the first
	// memory phase has loaded its orders.
	MemProfile string
	// Budget is the time the run may take: memory phases shrink or are
	// skipped to stay within it [270s].
	Budget time.Duration
	// Dir holds the temporary stores [the system temp dir].
	Dir string
}

// benchRun is one bench invocation.
type benchRun struct {
	opts        Options
	cfg         config.Config
	log         *slog.Logger
	root        string
	report      *Report
	began       time.Time
	rawPublish  float64 // raw async publish msgs/s
	rawRound    float64 // raw publish + consume-with-ack round trip msgs/s, for the ratios
	loadRate    float64 // last measured open-orders load rate, for the budget
	pipeRate    float64 // pipeline events/s of the throughput phase
	ceilingRate float64 // events/s of the NATS-only loop, for the pipeline ratio
}

// Run runs the selected phases and returns what they measured. A phase
// that fails is recorded in Report.Errors and the next one runs; the error
// is ctx's when the run was interrupted, or a setup failure.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := CheckPhases(o.Phases); err != nil {
		return nil, err
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	cfg := o.Config
	cfg.Output.Console = false
	cfg.Monitor.Listen = ""
	cfg.Generator.Enabled = "false"
	root, cleanup, err := benchRoot(o.Dir)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	r := &benchRun{opts: o, cfg: cfg, log: o.Log, root: root, began: time.Now()}
	r.report = newReport(map[string]string{
		"partitions": fmt.Sprint(cfg.Streaming.Partitions), "trigger_interval": cfg.Streaming.TriggerInterval.String(),
		"max_batch": fmt.Sprint(cfg.Streaming.MaxBatch), "storage": "file", "server": "embedded, in-process",
		"memory_limit": memoryLimitInForce(),
	})
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"raw", r.benchRaw}, {"ceiling", r.benchCeiling}, {"throughput", r.benchThroughput}, {"predict", r.benchPredict}, {"latency", r.benchLatency}, {"ceiling-latency", r.benchCeilingLatency},
		{"breach", r.benchBreach}, {"memory", r.benchMemory}, {"replay", r.benchReplay}, {"kafka", r.benchKafka}, {"http", r.benchHTTP},
	}
	for _, s := range steps {
		if !slices.Contains(o.Phases, s.name) {
			continue
		}
		r.progress("%s ...", s.name)
		begin := time.Now()
		if err := s.run(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r.report.Errors = append(r.report.Errors, fmt.Sprintf("%s: %v", s.name, err))
			r.progress("%s failed after %s: %v", s.name, time.Since(begin).Round(time.Millisecond), err)
			continue
		}
		r.progress("%s done in %s", s.name, time.Since(begin).Round(time.Millisecond))
	}
	r.report.Elapsed = time.Since(r.began).Seconds()
	return r.report, nil
}

// progress reports a step, with the time since the start.
func (r *benchRun) progress(format string, args ...any) {
	fmt.Fprintf(r.opts.Progress, "bench %6.1fs  %s\n", time.Since(r.began).Seconds(), fmt.Sprintf(format, args...))
}

// env starts a fresh server and the pipeline's objects for a phase.
func (r *benchRun) env(ctx context.Context, cfg config.Config) (*benchEnv, error) {
	return newBenchEnv(ctx, r.root, cfg, r.log)
}

// remaining is the time left of the budget.
func (r *benchRun) remaining() time.Duration {
	return r.opts.Budget - time.Since(r.began)
}

// memoryLimitInForce is the process's soft memory limit (GOMEMLIMIT or
// instance.memory_limit), "none" without one.
func memoryLimitInForce() string {
	if n := debug.SetMemoryLimit(-1); n != math.MaxInt64 {
		return config.Size(n).String()
	}
	return "none"
}
