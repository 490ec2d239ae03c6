package main

import (
	"context"
	"fmt"
	"sync"
	"time"

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
}

func (m *Main) runCommand() *cobra.Command {
	var load configLoader
	cmd := command("run", "run the pipeline (embedded NATS and demo data unless nats.url is set)",
		func(cmd *cobra.Command, _ []string) error { return m.runCmd(cmd.Context(), load) })
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) runCmd(ctx context.Context, load configLoader) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	if cfg.DemoSLA() {
		demo := config.DemoSLAs()
		cfg.SLA.Processing, cfg.SLA.Shipping, cfg.SLA.Delivery = demo.Processing, demo.Shipping, demo.Delivery
	}
	return m.run(ctx, cfg)
}

func (m *Main) run(ctx context.Context, cfg config.Config) error {
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

	var console *pipeline.Console
	var onUpdates func([]order.Update)
	if cfg.Output.Console {
		console = pipeline.NewConsole(m.Stdout, cfg.Output.MaxRows)
		onUpdates = func(us []order.Update) { console.Add(us...) }
	}
	p := pipeline.New(c.js, prov, pipeline.Options{Config: cfg, Log: log, OnUpdates: onUpdates})
	if cfg.Monitor.Listen != "" {
		mon, err := monitor.Start(monitor.Options{Listen: cfg.Monitor.Listen, Conn: c.nc, JS: c.js,
			Topology: prov.Topology, Stats: p.Stats(), Log: log})
		if err != nil {
			return err
		}
		defer mon.Close()
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if console != nil {
		wg.Add(1)
		go func() { defer wg.Done(); console.Run(runCtx, max(cfg.Streaming.TriggerInterval, time.Second)) }()
	}
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
		m.Ready(RunInfo{NATSURL: url, Config: cfg})
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
