package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// RunInfo describes a started pipeline (for tests and the banner).
type RunInfo struct {
	NATSURL string
	Config  config.Config
	// Live holds the configuration in force, with its hash and load time.
	Live *config.Live
}

func (m *Main) runCommand() *cobra.Command {
	var load configLoader
	cmd := command("run", "run the pipeline (embedded NATS and demo data unless nats.url is set)",
		func(cmd *cobra.Command, _ []string) error { return m.runCmd(cmd.Context(), load, watchedFile(cmd)) })
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) runCmd(ctx context.Context, load configLoader, file string) error {
	cfg, err := runConfig(load)
	if err != nil {
		return err
	}
	return m.run(ctx, cfg, reloadSource{load: func() (config.Config, error) { return runConfig(load) }, file: file})
}

func (m *Main) run(ctx context.Context, cfg config.Config, src reloadSource) error {
	log := m.logger(cfg)
	c, err := dial(cfg, "ordertrack run", true, log)
	if err != nil {
		return err
	}
	defer c.close()
	prov, err := pipeline.Provision(ctx, c.js, cfg, log)
	if err != nil {
		return err
	}
	url := cfg.NATS.URL
	if c.embedded != nil {
		url = c.embedded.ClientURL()
	}
	m.banner(cfg, broker.Redact(url))

	console := pipeline.NewConsole(m.Stdout, cfg.Output.MaxRows)
	nt, notifyMetrics := newNotifier(c, prov, cfg, log)
	live := newLiveParts(cfg, console, &m.level, nt)
	reloader := &config.Reloader{Live: live.cfg, Load: src.load, File: src.file, Apply: live.apply, Log: log}
	p := pipeline.New(c.js, prov, pipeline.Options{Config: cfg, Log: log, OnUpdates: live.onUpdates, LiveRules: live.Rules})
	if cfg.Monitor.Listen != "" {
		mon, err := monitor.Start(monitor.Options{Listen: cfg.Monitor.Listen, Conn: c.nc, JS: c.js,
			Topology: prov.Topology, Stats: p.Stats(), Log: log, AuthToken: cfg.Monitor.AuthToken,
			Rules: live.Rules, Retention: cfg.Retention.CompletedOrders,
			Collectors: []prometheus.Collector{notifyMetrics, newReloadCollector(reloader)}})
		if err != nil {
			return err
		}
		defer mon.Close()
	}

	if err := nt.Start(ctx); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); console.Run(runCtx, max(cfg.Streaming.TriggerInterval, time.Second)) }()
	go func() { defer wg.Done(); _ = nt.Run(runCtx) }()
	go func() { defer wg.Done(); m.reloadOnSignal(runCtx, reloader) }()
	if cfg.GeneratorOn() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := feedDemo(runCtx, c.js, prov.Topology, cfg, log); err != nil {
				log.Error("demo generator stopped", "err", err)
			}
		}()
	}
	if m.Ready != nil {
		select { // tests edit the file once Ready: it must be watched
		case <-reloader.Watching():
		case <-runCtx.Done():
		}
		m.Ready(RunInfo{NATSURL: url, Config: cfg, Live: live.cfg})
	}
	err = p.Run(runCtx)
	cancel()
	wg.Wait()
	fmt.Fprintln(m.Stdout, "Order tracking system stopped.")
	return err
}

func (m *Main) banner(cfg config.Config, url string) {
	line := "============================================================"
	fmt.Fprintln(m.Stdout, line)
	fmt.Fprintln(m.Stdout, "Starting Retail Order Tracking System")
	fmt.Fprintln(m.Stdout, line)
	fmt.Fprintln(m.Stdout, "Order Lifecycle: ORDER → PROCESSING → SHIPPED → DELIVERED")
	fmt.Fprintln(m.Stdout, "Monitoring SLA breaches and handling cancellations")
	fmt.Fprintln(m.Stdout, "Processing events in real-time with NATS JetStream")
	fmt.Fprintf(m.Stdout, "NATS: %s (%d partitions)\n", url, cfg.Streaming.Partitions)
	fmt.Fprintf(m.Stdout, "SLAs: processing %s, shipping %s, delivery %s (clock: %s)",
		order.HumanDuration(cfg.SLA.Processing), order.HumanDuration(cfg.SLA.Shipping),
		order.HumanDuration(cfg.SLA.Delivery), cfg.SLA.Clock)
	if cfg.DemoSLA() {
		fmt.Fprint(m.Stdout, " [demo SLAs: set generator.demo_sla=false for config.yaml's]")
	}
	fmt.Fprintln(m.Stdout)
	if cfg.GeneratorOn() {
		fmt.Fprintf(m.Stdout, "Demo data: %s scenario at %.0f events/s\n", cfg.Generator.Scenario, cfg.Generator.Rate)
	}
	fmt.Fprintln(m.Stdout, "Press Ctrl+C to stop the system gracefully")
	fmt.Fprintln(m.Stdout, line)
}
