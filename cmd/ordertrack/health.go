package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/health"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

func (m *Main) healthCommand() *cobra.Command {
	var load configLoader
	cmd := command("health", "check config, NATS, JetStream objects and consumers (alias --health-check)",
		func(cmd *cobra.Command, _ []string) error { return m.healthCmd(cmd.Context(), load) })
	cmd.Long = "Check config, NATS, JetStream objects and consumers, one line per check; exit 0 only if all pass.\n'ordertrack --health-check' is the same command."
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) healthCmd(ctx context.Context, load configLoader) error {
	out := m.Stdout
	fmt.Fprintln(out, "Performing system health check...")
	cfg, err := load()
	if err != nil {
		report(out, "Configuration", "", err)
		return healthFailed([]string{"Configuration"})
	}
	report(out, "Configuration", configSummary(cfg), nil)
	h := health.New(cfg, func() (*nats.Conn, jetstream.JetStream, func(), error) {
		c, err := broker.Dial(cfg.NATS, "ordertrack health", false, m.logger(cfg))
		if err != nil {
			return nil, nil, nil, err
		}
		return c.NC, c.JS, c.Close, nil
	})
	defer h.Close()
	warnings := 0
	failed := h.Run(ctx, func(name, detail string, err error) {
		var w *health.Warning
		if errors.As(err, &w) {
			warnings++
		}
		report(out, name, detail, err)
	})
	if len(failed) > 0 {
		return healthFailed(failed)
	}
	if warnings > 0 {
		fmt.Fprintf(out, "All health checks passed, with %d warning(s) - system is ready\n", warnings)
		return nil
	}
	fmt.Fprintln(out, "All health checks passed - system is ready")
	return nil
}

func healthFailed(names []string) error {
	return fmt.Errorf("%d health check(s) failed: %s", len(names), strings.Join(names, ", "))
}

// report prints one check's line, and for a failure how to fix it.
func report(w io.Writer, name, detail string, err error) {
	var p *contract.Problem
	var warn *health.Warning
	switch {
	case errors.Is(err, health.ErrSkipped):
		fmt.Fprintf(w, "[skip] %s: %v\n", name, err)
	case errors.As(err, &warn):
		fmt.Fprintf(w, "[warn] %s: %s\n       fix: %s\n", name, warn.What, warn.Fix)
	case errors.As(err, &p):
		fmt.Fprintf(w, "[FAIL] %s: %s\n       fix: %s\n", name, p.What, p.Fix)
	case err != nil:
		fmt.Fprintf(w, "[FAIL] %s: %v\n", name, err)
	default:
		fmt.Fprintf(w, "[ok]   %s: %s\n", name, detail)
	}
}

func configSummary(cfg config.Config) string {
	return fmt.Sprintf("valid (%d partitions, prefix %q, SLAs processing %s, shipping %s, delivery %s)",
		cfg.Streaming.Partitions, cfg.Subjects.Prefix, order.HumanDuration(cfg.SLA.Processing),
		order.HumanDuration(cfg.SLA.Shipping), order.HumanDuration(cfg.SLA.Delivery))
}
