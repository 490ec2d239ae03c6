package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

func (m *Main) reportCommand() *cobra.Command {
	var since, by string
	var asJSON, predictions bool
	var load configLoader
	cmd := command("report [--since 7d] [--by sla|tenant|rule|service_level] [--predictions] [--json] [flags]",
		"SLA attainment from the stored orders: on-time and cancel rates per SLA and group; with --predictions, how well the warnings foretold the breaches", nil)
	cmd.Flags().StringVar(&since, "since", "", "only orders placed in this last period, e.g. 7d (default: every stored order)")
	cmd.Flags().StringVar(&by, "by", "", "group by sla, tenant, rule or service_level (default: one group, all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of text")
	cmd.Flags().BoolVar(&predictions, "predictions", false,
		"score the predicted warnings per SLA and segment (sla.predict.by): warned and breached, warned and met, breached without a warning, precision, recall, median lead time")
	load = m.configFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		g := order.Grouping(by)
		switch {
		case predictions && by != "":
			return usagef(cmd, "--by %q: --predictions groups by the segments of sla.predict.by", by)
		case by == "":
			g = order.BySLA
		case !slices.Contains(order.Groupings, g):
			return usagef(cmd, "--by %q: want sla, tenant, rule or service_level", by)
		}
		from, err := sinceFlag(cmd, since)
		if err != nil {
			return err
		}
		cfg, err := load()
		if err != nil {
			return err
		}
		if predictions {
			return m.reportPredictions(cmd.Context(), cfg, from, asJSON)
		}
		return m.report(cmd.Context(), cfg, g, from, asJSON)
	}
	return cmd
}

func (m *Main) report(ctx context.Context, cfg config.Config, by order.Grouping, since time.Time, asJSON bool) error {
	c, err := broker.Dial(cfg.NATS, "ordertrack report", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	a, err := monitor.Attainment(ctx, c.JS, by, since)
	if err != nil {
		return err
	}
	if asJSON {
		return writeReportJSON(m.Stdout, a)
	}
	writeReport(m.Stdout, a)
	return nil
}

// sinceFlag is the instant a --since period (e.g. 7d) reaches back to;
// zero for "".
func sinceFlag(cmd *cobra.Command, since string) (time.Time, error) {
	if since == "" {
		return time.Time{}, nil
	}
	d, err := config.ParseDuration(since)
	if err != nil || d <= 0 {
		return time.Time{}, usagef(cmd, "--since %q: want a positive duration such as 7d", since)
	}
	return time.Now().Add(-d), nil
}

// writeReportJSON prints SPEC 11's JSON: since (null for all time), by and
// the rows.
func writeReportJSON(w io.Writer, a order.Attainment) error {
	out := struct {
		Since *time.Time            `json:"since"`
		By    order.Grouping        `json:"by"`
		Rows  []order.AttainmentRow `json:"rows"`
	}{a.Since, a.By, a.Rows}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeReport prints the rows, then each group's headline rates in a
// retail operator's terms.
func writeReport(w io.Writer, a order.Attainment) {
	if len(a.Rows) == 0 {
		fmt.Fprintln(w, "No orders stored yet.")
		return
	}
	if a.Since != nil {
		fmt.Fprintf(w, "Orders placed since %s\n", a.Since.UTC().Format(time.RFC3339))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "GROUP\tSLA\tORDERS\tMET\tBREACHED\tRETRACTED\tCANCELLED\tPENDING\tON-TIME\tCANCEL RATE\t")
	for _, r := range a.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", r.Group, r.SLA, r.Orders, r.Met, r.Breached,
			r.Retracted, r.Cancelled, r.Pending, percent(r.OnTimeRate, r.Met+r.Breached), percent(r.CancelRate, r.Orders))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, line := range headlines(a.Rows) {
		fmt.Fprintln(w, line)
	}
}

// headlines says per group: on-time processing, shipping and delivery, and
// the share of orders cancelled before their delivery was met or breached
// (the delivery row's cancel rate).
func headlines(rows []order.AttainmentRow) []string {
	var out, parts []string
	cancelled := "-"
	for i, r := range rows {
		parts = append(parts, fmt.Sprintf("on-time %s %s", r.SLA, percent(r.OnTimeRate, r.Met+r.Breached)))
		if r.SLA == order.SLADelivery {
			cancelled = percent(r.CancelRate, r.Orders)
		}
		if i == len(rows)-1 || rows[i+1].Group != r.Group {
			out = append(out, fmt.Sprintf("%s: %s; cancelled before delivery %s (%d orders)", r.Group, strings.Join(parts, ", "),
				cancelled, r.Orders))
			parts, cancelled = nil, "-"
		}
	}
	return out
}

// percent shows a rate, or "-" when nothing was decided.
func percent(rate float64, of uint64) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*rate)
}
