package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/feed"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

func (m *Main) publishCommand() *cobra.Command {
	var file string
	var load configLoader
	cmd := command("publish [--file FILE] [flags] < events.jsonl", "publish order events (JSON lines) from stdin or a file",
		func(cmd *cobra.Command, _ []string) error { return m.publishCmd(cmd.Context(), load, &file) })
	cmd.Flags().StringVar(&file, "file", "", "read JSON lines from FILE instead of stdin")
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) publishCmd(ctx context.Context, load configLoader, file *string) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	in := m.Stdin
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	c, err := broker.Dial(cfg.NATS, "ordertrack publish", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	topo := pipeline.Topology{Prefix: cfg.Subjects.Prefix, Partitions: cfg.Streaming.Partitions}
	n, bad, err := publishLines(ctx, in, func(ctx context.Context, id, eventID string, line []byte) error {
		_, err := c.JS.PublishMsg(ctx, feed.EventMsg(topo.EventSubject(id), line, eventID, true))
		return err
	}, m.Stderr)
	fmt.Fprintf(m.Stdout, "published %d events\n", n)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d lines not published (see above)", bad)
	}
	return nil
}

// publishLines publishes each non-empty line. A line must be a JSON object
// with a valid order_id (the subject is derived from it); other lines are
// reported on errw and skipped. The event itself is validated by the pipeline.
func publishLines(ctx context.Context, r io.Reader, pub func(ctx context.Context, id, eventID string, line []byte) error, errw io.Writer) (n, bad int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), order.MaxEventBytes+1)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := append([]byte(nil), sc.Bytes()...)
		if len(trimSpace(line)) == 0 {
			continue
		}
		head, err := lineHead(line)
		if err != nil || !order.ValidOrderID(head.OrderID) {
			fmt.Fprintf(errw, "line %d: needs a JSON object with a valid order_id (letters, digits, '-', '_'): skipped\n", lineNo)
			bad++
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = pub(pctx, head.OrderID, head.EventID, line)
		cancel()
		if err != nil {
			return n, bad, fmt.Errorf("line %d: %w", lineNo, err)
		}
		n++
	}
	return n, bad, sc.Err()
}

// eventHead is what publish reads of a line: the subject's order id and
// the event id used for deduplication.
type eventHead struct{ OrderID, EventID string }

// lineHead reads order_id and event_id by their exact names (SPEC 3):
// encoding/json matches struct fields case-insensitively, map keys exactly.
func lineHead(line []byte) (eventHead, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(line, &members); err != nil {
		return eventHead{}, err
	}
	var h eventHead
	if raw, ok := members["order_id"]; ok {
		if err := json.Unmarshal(raw, &h.OrderID); err != nil {
			return eventHead{}, err
		}
	}
	if raw, ok := members["event_id"]; ok {
		_ = json.Unmarshal(raw, &h.EventID) // a bad event_id is the pipeline's to report
	}
	return h, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
