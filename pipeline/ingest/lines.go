package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// PublishLines publishes each non-empty line of r ('ordertrack publish').
// A line must be a JSON object with a valid order_id (the subject is
// derived from it); other lines are reported on errw and skipped. The event
// itself is validated by the pipeline.
func PublishLines(ctx context.Context, r io.Reader, pub func(ctx context.Context, id, eventID string, line []byte) error, errw io.Writer) (n, bad int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), order.MaxEventBytes+1)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := append([]byte(nil), sc.Bytes()...)
		if len(bytes.TrimLeft(line, " \t\r")) == 0 {
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
