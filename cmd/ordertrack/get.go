package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/health"
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
	c, err := broker.Dial(cfg.NATS, "ordertrack get", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 4*health.Timeout)
	defer cancel()
	stories := monitor.Stories{JS: c.JS, Topology: contract.TopologyOf(cfg),
		Rules: cfg.Rules(), Retention: cfg.Retention.CompletedOrders}
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
	field("service", s.ServiceLevel)
	field("rule", v.Rule)
	field("item", itemLine(s))
	field("updated", s.UpdatedAt.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(w, "\n  %-11s %s\n", "stage", "time")
	for _, st := range []order.Stage{order.StageOrder, order.StageProcessing, order.StageShipped, order.StageDelivered, order.StageCancelled} {
		fmt.Fprintf(w, "  %-11s %s\n", st, timeOrDash(s.At(st)))
	}
	fmt.Fprintf(w, "\n  %-11s %-32s %s\n", "sla", "deadline (UTC)", "state")
	for _, sla := range order.SLAs {
		d := v.Deadlines[sla]
		state := d.State
		if state == "pending" {
			state += ", due in " + d.Deadline.Sub(v.At).Round(time.Second).String()
		}
		if state == "retracted" {
			state = "met (breach retracted)"
		}
		fmt.Fprintf(w, "  %-11s %-32s %s\n", sla, timeOrDash(d.Deadline), state)
		printSLADetail(w, d)
	}
	fmt.Fprintf(w, "\n  breaches:  %s\n", slaList(s.Breaches))
	if len(s.Retracted) > 0 {
		fmt.Fprintf(w, "  retracted: %s\n", slaList(s.Retracted))
	}
	if v.History != nil {
		fmt.Fprintf(w, "\nHistory (%d updates):\n", len(v.History))
		printUpdates(w, v.History, true)
	}
}

// printSLADetail prints an SLA's deadline in its calendar's zone and its
// warnings, sent and pending.
func printSLADetail(w io.Writer, d *monitor.SLAStatus) {
	if d.Zone != "" && d.Deadline != nil {
		if loc, err := time.LoadLocation(d.Zone); err == nil {
			fmt.Fprintf(w, "  %-11s %s (%s, calendar %s)\n", "", d.Deadline.In(loc).Format("2006-01-02 15:04:05.999999999 MST Mon"), d.Zone, d.Calendar)
		}
	}
	for _, x := range d.Warnings {
		state := "pending"
		switch {
		case x.Sent:
			state = "sent"
		case x.Missed:
			state = "missed (deadline passed first)"
		case d.State != "pending":
			state = "not sent"
		}
		fmt.Fprintf(w, "  %-11s warning at %s%% %s: %s\n", "", order.FormatThreshold(x.Threshold*100), x.At.UTC().Format(time.RFC3339Nano), state)
	}
	if p := d.Predicted; p != nil {
		state := "pending"
		switch {
		case p.Sent:
			state = "sent"
		case p.Missed:
			state = "missed (deadline passed first)"
		case d.State != "pending":
			state = "not sent"
		}
		fmt.Fprintf(w, "  %-11s predicted warning at %s: %s\n", "", p.At.UTC().Format(time.RFC3339Nano), state)
	}
}

func slaList(ss []order.SLA) string {
	if len(ss) == 0 {
		return "none"
	}
	return strings.Trim(fmt.Sprint(ss), "[]")
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
