package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// orderView is what get shows of one order (the JSON of --json).
type orderView struct {
	Order     order.State            `json:"order"`
	Revision  uint64                 `json:"revision"`
	Deadlines map[order.SLA]*slaView `json:"slas"`
	History   []order.Update         `json:"history,omitempty"`
	slas      []order.SLA            // display order
	now       time.Time              // when the view was taken
}

// slaView is the state of one SLA of the order.
type slaView struct {
	Deadline *time.Time `json:"deadline,omitempty"`
	State    string     `json:"state"` // met, breached, pending, overdue, not_started, cancelled
}

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
	cfg = withDemoSLAs(cfg)
	c, err := dial(cfg, "ordertrack get", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.close()
	v, err := readOrder(ctx, c.js, cfg, id, history)
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

// withDemoSLAs applies the demo SLAs as run does, so that deadlines match
// those of a demo pipeline.
func withDemoSLAs(cfg config.Config) config.Config {
	if cfg.DemoSLA() {
		demo := config.DemoSLAs()
		cfg.SLA.Processing, cfg.SLA.Shipping, cfg.SLA.Delivery = demo.Processing, demo.Shipping, demo.Delivery
	}
	return cfg
}

func readOrder(ctx context.Context, js jetstream.JetStream, cfg config.Config, id string, history bool) (orderView, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*healthTimeout)
	defer cancel()
	kv, err := js.KeyValue(ctx, pipeline.OrdersBucket)
	if err != nil {
		return orderView{}, fmt.Errorf("bucket %s: %w (has the pipeline run? start it with 'ordertrack run')", pipeline.OrdersBucket, err)
	}
	e, err := kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return orderView{}, fmt.Errorf("order %s not found in bucket %s: no event of it was processed, or it finished more than retention.completed_orders (%s) ago",
			id, pipeline.OrdersBucket, order.HumanDuration(cfg.Retention.CompletedOrders))
	}
	if err != nil {
		return orderView{}, fmt.Errorf("get order %s: %w", id, err)
	}
	s, err := pipeline.DecodeState(e.Value())
	if err != nil {
		return orderView{}, fmt.Errorf("order %s: stored value does not decode: %w", id, err)
	}
	v := orderView{Order: s, Revision: e.Revision(), now: time.Now(), slas: order.SLAs}
	v.Deadlines = slaViews(s, pipeline.RulesFrom(cfg), v.now)
	if history {
		topo := pipeline.Topology{Prefix: cfg.Subjects.Prefix, Partitions: cfg.Streaming.Partitions}
		if v.History, err = orderHistory(ctx, js, topo, id); err != nil {
			return v, err
		}
	}
	return v, nil
}

func slaViews(s order.State, r order.Rules, now time.Time) map[order.SLA]*slaView {
	out := map[order.SLA]*slaView{}
	for _, sla := range order.SLAs {
		v := &slaView{}
		if at, ok := r.Deadline(s, sla); ok {
			v.Deadline = &at
		}
		switch {
		case s.Breached(sla):
			v.State = "breached"
		case s.Met(sla):
			v.State = "met"
		case s.Status == order.StageCancelled:
			v.State = "cancelled"
		case v.Deadline == nil:
			v.State = "not_started"
		case now.Before(*v.Deadline):
			v.State = "pending"
		default:
			v.State = "overdue"
		}
		out[sla] = v
	}
	return out
}

// orderHistory reads the order's updates and alerts from ORDER_UPDATES in
// stream order, up to the last one stored when it starts.
func orderHistory(ctx context.Context, js jetstream.JetStream, topo pipeline.Topology, id string) ([]order.Update, error) {
	c, err := js.OrderedConsumer(ctx, pipeline.UpdatesStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{topo.UpdateSubject(id), topo.Prefix + ".alerts.*." + id},
	})
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", id, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", id, err)
	}
	out := []order.Update{}
	for want := int(info.NumPending); len(out) < want; {
		batch, err := c.Fetch(min(want-len(out), 500), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, fmt.Errorf("read history of %s: %w", id, err)
		}
		n := len(out)
		for msg := range batch.Messages() {
			var u order.Update
			if err := json.Unmarshal(msg.Data(), &u); err != nil {
				return nil, fmt.Errorf("history of %s: message on %s does not decode: %w", id, msg.Subject(), err)
			}
			out = append(out, u)
		}
		if err := batch.Error(); err != nil || len(out) == n {
			return out, batch.Error() // nothing more arrived: expired by retention meanwhile
		}
	}
	return out, nil
}

func printOrder(w io.Writer, v orderView) {
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
	for _, sla := range v.slas {
		d := v.Deadlines[sla]
		state := d.State
		if state == "pending" {
			state += ", due in " + d.Deadline.Sub(v.now).Round(time.Second).String()
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
