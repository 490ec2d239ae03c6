package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

func (m *Main) publishCmd(ctx context.Context, args []string) error {
	fs := m.newFlagSet("publish", "publish [--file FILE] [flags] < events.jsonl")
	file := fs.String("file", "", "read JSON lines from FILE instead of stdin")
	cfg, err := m.parseConfig(fs, args)
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
	c, err := dial(cfg, "ordertrack publish", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.close()
	topo := pipeline.Topology{Prefix: cfg.Subjects.Prefix, Partitions: cfg.Streaming.Partitions}
	n, bad, err := publishLines(ctx, in, func(ctx context.Context, id, eventID string, line []byte) error {
		_, err := c.js.PublishMsg(ctx, eventMsg(topo.EventSubject(id), line, eventID, true))
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
		var head struct {
			OrderID string `json:"order_id"`
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(line, &head); err != nil || !order.ValidOrderID(head.OrderID) {
			fmt.Fprintf(errw, "line %d: needs a JSON object with a valid order_id (letters, digits, '-', '_'): skipped\n", lineNo)
			bad++
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := pub(pctx, head.OrderID, head.EventID, line)
		cancel()
		if err != nil {
			return n, bad, fmt.Errorf("line %d: %w", lineNo, err)
		}
		n++
	}
	return n, bad, sc.Err()
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
