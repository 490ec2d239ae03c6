package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

func (m *Main) getCommand() *cobra.Command {
	var history, asJSON bool
	var load configLoader
	cmd := command("get <order_id> [--history] [--json] [flags]", "show one order's state (and --history of its updates)",
		func(cmd *cobra.Command, args []string) error {
			return m.getCmd(cmd.Context(), load, args[0], history, asJSON)
		})
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return usagef(cmd, "needs an order id")
		case len(args) > 1:
			return usagef(cmd, "takes one order id, got %d arguments", len(args))
		case !order.ValidOrderID(args[0]):
			return usagef(cmd, "%q is not an order id (letters, digits, '-', '_')", args[0])
		}
		return nil
	}
	cmd.Flags().BoolVar(&history, "history", false, "also list the order's updates and alerts in the order they were emitted")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) getCmd(ctx context.Context, load configLoader, id string, history, asJSON bool) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	c, err := dial(cfg, "ordertrack get", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.close()
	ctx, cancel := context.WithTimeout(ctx, 4*healthTimeout)
	defer cancel()
	stories := monitor.Stories{JS: c.js, Topology: pipeline.Topology{Prefix: cfg.Subjects.Prefix, Partitions: cfg.Streaming.Partitions},
		Rules: pipeline.RulesFrom(cfg), Retention: cfg.Retention.CompletedOrders}
	v, err := stories.Story(ctx, id, history)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	printOrder(m.Stdout, v)
	return nil
}

func printOrder(w io.Writer, v monitor.OrderStory) {
	s := v.Order
	fmt.Fprintf(w, "Order %s\n", s.OrderID)
	fmt.Fprintf(w, "  status:    %s\n", s.Status)
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-10s %s\n", name+":", value)
		}
	}
	field("customer", s.CustomerID)
	field("tenant", s.TenantID)
	field("item", itemLine(s))
	field("updated", s.UpdatedAt.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(w, "\n  %-11s %s\n", "stage", "time")
	for _, st := range []order.Stage{order.StageOrder, order.StageProcessing, order.StageShipped, order.StageDelivered, order.StageCancelled} {
		fmt.Fprintf(w, "  %-11s %s\n", st, timeOrDash(s.At(st)))
	}
	fmt.Fprintf(w, "\n  %-11s %-32s %s\n", "sla", "deadline", "state")
	for _, sla := range order.SLAs {
		d := v.Deadlines[sla]
		state := d.State
		if state == "pending" {
			state += ", due in " + d.Deadline.Sub(v.At).Round(time.Second).String()
		}
		fmt.Fprintf(w, "  %-11s %-32s %s\n", sla, timeOrDash(d.Deadline), state)
	}
	breaches := "none"
	if len(s.Breaches) > 0 {
		breaches = fmt.Sprint(s.Breaches)
		breaches = strings.Trim(breaches, "[]")
	}
	fmt.Fprintf(w, "\n  breaches:  %s\n", breaches)
	if v.History != nil {
		fmt.Fprintf(w, "\nHistory (%d updates):\n", len(v.History))
		printUpdates(w, v.History, true)
	}
}

func itemLine(s order.State) string {
	if s.ItemName == "" {
		return ""
	}
	out := s.ItemName
	if s.ItemCategory != "" {
		out += " (" + s.ItemCategory + ")"
	}
	if s.Quantity > 0 {
		out += fmt.Sprintf(", qty %d", s.Quantity)
	}
	if s.Price > 0 {
		out += fmt.Sprintf(", price %.2f", s.Price)
	}
	return out
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}
