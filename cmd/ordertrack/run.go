package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/group"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/notify"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// RunInfo describes a started pipeline (for tests and the banner).
type RunInfo struct {
	NATSURL string
	Config  config.Config
	// Live holds the configuration in force, with its hash and load time.
	Live *config.Live
	// IngestAddr is the address of ingest.http.listen, "" when off.
	IngestAddr string
}

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

func (m *Main) runCommand() *cobra.Command {
	var load configLoader
	cmd := command("run", "run the pipeline (embedded NATS and demo data unless nats.url is set)",
		func(cmd *cobra.Command, _ []string) error {
			loaded, err := load()
			if err != nil {
				return err
			}
			file, _ := cmd.Flags().GetString("config")
			return m.run(cmd.Context(), loaded, load, config.FileInUse(file))
		})
	// Unresolved: run resolves it, and the reloader resolves each reload
	// with the running generator.demo_sla (not live).
	load = m.rawConfigFlags(cmd)
	return cmd
}

// run runs the pipeline of loaded, resolved (the demo SLAs). Its parts are one group of
// actors (group.Run): the monitor, the console, the notifier, the
// reloader, the pipeline, the demo feed and the ingest sources (Kafka, HTTP)
// start in this order; when the stop signal comes or any of them fails
// they stop one at a time in the reverse order: the sources commit what
// they stored and leave, the feed stops publishing, the pipeline finishes and hands
// back its partitions, the reloader and the notifier stop, the console
// prints the last outputs and the monitor answers until the end. Then the
// connection is drained and the embedded server stops (the defers). It
// reloads with load and watches file ("" for none).
func (m *Main) run(ctx context.Context, loaded config.Config, load configLoader, file string) error {
	cfg := loaded.Resolve()
	log := m.logger(cfg)
	defer applyMemoryLimit(cfg, log)()
	var monLn net.Listener
	if cfg.Monitor.Listen != "" {
		// Bound first, so that a port clash is reported at once, before the
		// embedded server touches its store.
		ln, err := monitor.Listen(cfg.Monitor.Listen)
		if err != nil {
			return err
		}
		defer ln.Close()
		monLn = ln
	}
	ingestLn, err := listenIngest(cfg)
	if err != nil {
		return err
	}
	if ingestLn != nil {
		defer ingestLn.Close()
	}
	c, err := broker.Dial(cfg.NATS, "ordertrack run", true, log)
	if err != nil {
		return err
	}
	defer c.Close()
	prov, err := contract.Provision(ctx, c.JS, cfg, log)
	if err != nil {
		return err
	}
	url := c.URL()
	m.banner(cfg, broker.Redact(url), file)

	srcs, err := m.newSources(cfg, c, prov.Topology, ingestLn, log)
	if err != nil {
		return err
	}
	console := pipeline.NewConsole(m.Stdout, cfg.Output.MaxRows)
	notifyMetrics := notify.NewMetrics()
	nt := notify.New(notify.Options{JS: c.JS, Topology: prov.Topology, Orders: prov.Orders, Config: cfg.Notify,
		AckWait: cfg.Streaming.AckWait, PinnedTTL: cfg.Streaming.PinnedTTL, Metrics: notifyMetrics, Log: log})
	notifyMetrics.Watch(nt)
	live := pipeline.NewLive(cfg, console, &m.level, nt)
	reloader := &config.Reloader{Live: live.Config, Load: load, Loaded: &loaded, File: file, Apply: live.Apply, Log: log}
	p := pipeline.New(c.JS, prov, pipeline.Options{Config: cfg, Log: log, OnUpdates: live.OnUpdates, LiveRules: live.Rules,
		Instance: pipeline.InstanceInfo{Name: cfg.InstanceName(), Version: buildVersion().Version, Live: live.Config, Ingest: srcs.statuses}})
	if err := nt.Start(ctx); err != nil {
		return err
	}
	var actors []group.Actor
	if monLn != nil {
		mon, err := monitor.Start(monitor.Options{Listen: cfg.Monitor.Listen, Listener: monLn, Conn: c.NC, JS: c.JS,
			Topology: prov.Topology, Stats: p.Stats(), Log: log, AuthToken: cfg.Monitor.AuthToken, MaxStreams: cfg.Monitor.MaxStreams,
			Rules: live.Rules, Retention: cfg.Retention.CompletedOrders,
			Webhooks:   func() []string { return live.Config.Config().Notify.Names() },
			Collectors: append([]prometheus.Collector{notifyMetrics, monitor.ReloadCollector(reloader.Counts)}, srcs.collectors()...),
			Stalled:    srcs.stalled(cfg)})
		if err != nil {
			return err
		}
		actors = append(actors, group.Actor{Name: "monitor", Run: mon.Run})
	}
	actors = append(actors,
		group.Actor{Name: "console", Run: func(ctx context.Context) error {
			console.Run(ctx, max(cfg.Streaming.TriggerInterval, time.Second))
			return nil
		}},
		group.Actor{Name: "notifier", Run: nt.Run},
		group.Actor{Name: "reloader", Run: reloader.RunOnSIGHUP},
		group.Actor{Name: "pipeline", Run: p.Run})
	if cfg.GeneratorOn() {
		actors = append(actors, group.Actor{Name: "demo generator", Run: func(ctx context.Context) error {
			return ingest.Demo(ctx, c.JS, prov.Topology, cfg, log)
		}})
	}
	actors = append(actors, srcs.actors()...)
	if m.Ready != nil {
		actors = append(actors, group.Actor{Name: "ready", Run: func(ctx context.Context) error {
			select { // tests edit the file once Ready: it must be watched
			case <-reloader.Watching():
				m.Ready(RunInfo{NATSURL: url, Config: cfg, Live: live.Config, IngestAddr: addrOf(ingestLn)})
			case <-ctx.Done():
			}
			<-ctx.Done()
			return nil
		}})
	}
	err = group.Run(ctx, actors...)
	fmt.Fprintln(m.Stdout, "Order tracking system stopped.")
	return err
}

// banner prints the start banner; file is the configuration file in use
// ("" for none), named where the banner refers to the configured SLAs.
func (m *Main) banner(cfg config.Config, url, file string) {
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
		configured := "the configured SLAs"
		if file != "" {
			configured = "the SLAs of " + file
		}
		fmt.Fprint(m.Stdout, " [demo SLAs: set generator.demo_sla=false for "+configured+"]")
	}
	fmt.Fprintln(m.Stdout)
	if cfg.GeneratorOn() {
		fmt.Fprintf(m.Stdout, "Demo data: %s scenario at %.0f events/s\n", cfg.Generator.Scenario, cfg.Generator.Rate)
	}
	fmt.Fprintln(m.Stdout, "Press Ctrl+C to stop the system gracefully")
	fmt.Fprintln(m.Stdout, line)
}
