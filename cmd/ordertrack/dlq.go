package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/deadletter"
	"github.com/ordertrack/ordertrack/pipeline/ingest/mapping"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// dlqCommand lists or replays the dead letters of ORDER_DLQ.
func (m *Main) dlqCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq <list|replay> [flags]",
		Short: "list or replay dead letters",
		Long: "List or replay the dead letters of ORDER_DLQ.\n\n" +
			"list shows each dead letter: sequence, time stored, reason, source subject (or ingest source and where in it), error and the first bytes of the body.\n" +
			"replay republishes each dead letter's original bytes to its input subject and removes it from ORDER_DLQ;\n" +
			"a Kafka or HTTP record is mapped again with ingest.mapping first (kept if still invalid); Shopify webhooks are not replayed.\n" +
			"Reasons: " + order.ReasonList(),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return usagef(cmd, "needs a subcommand: list or replay") },
	}
	cmd.AddCommand(m.dlqListCommand(), m.dlqReplayCommand())
	return cmd
}

// dlqFlags registers --reason and the configuration flags.
func (m *Main) dlqFlags(cmd *cobra.Command) (reason *string, load configLoader) {
	reason = cmd.Flags().String("reason", "", "only dead letters of this reason ("+order.ReasonList()+")")
	return reason, m.configFlags(cmd)
}

// dlqSource connects to NATS and returns the subject filter of --reason.
func (m *Main) dlqSource(load configLoader, reason string) (*broker.Conn, config.Config, string, error) {
	cfg, err := load()
	if err != nil {
		return nil, cfg, "", err
	}
	topo := contract.TopologyOf(cfg)
	filter := topo.DLQWildcard()
	if reason != "" {
		if !order.ValidReason(reason) {
			return nil, cfg, "", fmt.Errorf("--reason %q is not a dead-letter reason; use one of %s", reason, order.ReasonList())
		}
		filter = topo.DLQSubject(order.Reason(reason))
	}
	c, err := broker.Dial(cfg.NATS, "ordertrack dlq", false, m.logger(cfg))
	return c, cfg, filter, err
}

func (m *Main) dlqListCommand() *cobra.Command {
	cmd := command("list [--reason R] [--json] [--limit N] [flags]", "list dead letters, oldest first", nil)
	asJSON := cmd.Flags().Bool("json", false, "print one JSON object per dead letter, with the whole body")
	limit := cmd.Flags().Int("limit", 100, "show at most N dead letters, oldest first (0: all)")
	reason, load := m.dlqFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return m.dlqList(cmd.Context(), load, *reason, *asJSON, *limit)
	}
	return cmd
}

func (m *Main) dlqList(ctx context.Context, load configLoader, reason string, asJSON bool, limit int) error {
	c, _, filter, err := m.dlqSource(load, reason)
	if err != nil {
		return err
	}
	defer c.Close()
	letters, total, err := deadletter.List(ctx, c.JS, filter, limit)
	if err != nil {
		return err
	}
	if asJSON {
		return writeLettersJSON(m.Stdout, letters)
	}
	writeLettersTable(m.Stdout, letters)
	if len(letters) < total {
		fmt.Fprintf(m.Stdout, "showing %d of %d dead letters (--limit %d)\n", len(letters), total, limit)
	} else {
		fmt.Fprintf(m.Stdout, "%d dead letters\n", total)
	}
	return nil
}

func (m *Main) dlqReplayCommand() *cobra.Command {
	cmd := command("replay [--reason R] [--dry-run] [flags]", "republish dead letters to their input subjects", nil)
	dry := cmd.Flags().Bool("dry-run", false, "show what would be replayed; change nothing")
	reason, load := m.dlqFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return m.dlqReplay(cmd.Context(), load, *reason, *dry) }
	return cmd
}

func (m *Main) dlqReplay(ctx context.Context, load configLoader, reason string, dry bool) error {
	c, cfg, filter, err := m.dlqSource(load, reason)
	if err != nil {
		return err
	}
	defer c.Close()
	r := deadletter.Replayer{JS: c.JS, Prefix: cfg.Subjects.Prefix, Dry: dry, Out: m.Stdout, Notify: cfg.Notify,
		Mapper: mapping.New(cfg.Ingest.Mapping), MaxSkew: cfg.SLA.MaxClockSkew}
	return r.ReplayStored(ctx, filter)
}

func writeLettersTable(w io.Writer, letters []deadletter.Letter) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tSTORED\tREASON\tSOURCE\tERROR\tBODY")
	for _, l := range letters {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", l.Seq, l.Stored.Format("2006-01-02T15:04:05.000Z"),
			l.Reason, l.Origin(), deadletter.Clip(l.Error, 48), deadletter.Preview(l.Data))
	}
	tw.Flush()
}

func writeLettersJSON(w io.Writer, letters []deadletter.Letter) error {
	enc := json.NewEncoder(w)
	for _, l := range letters {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}
