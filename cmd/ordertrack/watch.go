package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// watchOpts are the watch command's own flags.
type watchOpts struct {
	alerts, asJSON bool
	id             string
}

func (m *Main) watchCommand() *cobra.Command {
	var o watchOpts
	var load configLoader
	cmd := command("watch [--alerts] [--order ID] [--json] [flags]", "follow updates, alerts and warnings as they happen",
		func(cmd *cobra.Command, _ []string) error {
			if o.id != "" && !order.ValidOrderID(o.id) {
				return usagef(cmd, "--order %q is not a valid order id (letters, digits, '-', '_')", o.id)
			}
			return m.watchCmd(cmd.Context(), load, o)
		})
	cmd.Flags().BoolVar(&o.alerts, "alerts", false, "only SLA alerts: breaches, retractions and at-risk warnings")
	cmd.Flags().StringVar(&o.id, "order", "", "only this order's updates and alerts")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print each update as a JSON line (as stored on ORDER_UPDATES)")
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) watchCmd(ctx context.Context, load configLoader, o watchOpts) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	c, err := broker.Dial(cfg.NATS, "ordertrack watch", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	filters := contract.TopologyOf(cfg).WatchFilters(o.id, o.alerts)
	cons, err := c.JS.OrderedConsumer(ctx, contract.UpdatesStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: filters, DeliverPolicy: jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return fmt.Errorf("watch %s: %w", contract.UpdatesStream, err)
	}
	defer func() { _ = contract.RemoveConsumer(ctx, c.JS, contract.UpdatesStream, cons) }()
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("watch %s: %w", contract.UpdatesStream, err)
	}
	defer it.Stop()
	go func() { <-ctx.Done(); it.Stop() }()
	fmt.Fprintf(m.Stderr, "Watching %s on %s (Ctrl+C to stop)\n", strings.Join(filters, ", "), c.NC.ConnectedUrlRedacted())
	return m.follow(it, o.asJSON)
}

// follow prints messages until the iterator is stopped.
func (m *Main) follow(it jetstream.MessagesContext, asJSON bool) error {
	header := !asJSON
	for {
		msg, err := it.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("watch: %w", err)
		}
		if asJSON {
			fmt.Fprintf(m.Stdout, "%s\n", msg.Data())
			continue
		}
		var u order.Update
		if err := json.Unmarshal(msg.Data(), &u); err != nil {
			fmt.Fprintf(m.Stderr, "skipping undecodable message on %s: %v\n", msg.Subject(), err)
			continue
		}
		printUpdates(m.Stdout, []order.Update{u}, header)
		header = false
	}
}

// printUpdates prints updates as table rows with the console's columns,
// preceded by emitted_at; header adds the column names.
func printUpdates(w io.Writer, us []order.Update, header bool) {
	const row = "%-24s | %-16s | %-18s | %-10s | %-10s | %s\n"
	if header {
		fmt.Fprintf(w, row, "emitted_at", "order_id", "event_type", "status", "sla", "message")
	}
	for _, u := range us {
		sla := "-"
		if u.SLA != "" {
			sla = string(u.SLA)
		}
		fmt.Fprintf(w, row, u.EmittedAt.UTC().Format("2006-01-02T15:04:05.000Z"), u.OrderID, u.Type, u.Status, sla, u.Message)
	}
}
