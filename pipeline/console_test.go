package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// signalWriter is a goroutine-safe buffer that signals every write.
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func newSignalWriter() *signalWriter {
	return &signalWriter{wrote: make(chan struct{}, 1)}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	select {
	case w.wrote <- struct{}{}:
	default:
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitWrite waits for the next write, failing the test after a deadline.
func (w *signalWriter) waitWrite(t *testing.T) {
	t.Helper()
	select {
	case <-w.wrote:
	case <-time.After(5 * time.Second):
		t.Fatal("no write within 5s")
	}
}

func update(id string, typ order.UpdateType, status order.Stage, msg string) order.Update {
	return order.Update{OrderID: id, Type: typ, Status: status, Message: msg, SLABreach: typ == order.UpdateBreach}
}

// rowOrderIDs returns the order_id cell of every data row of the output.
func rowOrderIDs(out string) []string {
	var ids []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|order_id") {
			ids = append(ids, strings.TrimSpace(strings.Split(line, "|")[1]))
		}
	}
	return ids
}

func TestConsoleRendersBatch(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	c := NewConsole(&buf, 10)
	c.Add(
		update("ORD-000001", order.UpdateConfirmed, order.StageOrder, "Order placed for Blue Jeans (qty 2)"),
		update("ORD-000002", order.UpdateProcessing, order.StageProcessing, "Processing started"),
	)
	if !c.Flush() {
		t.Fatal("Flush() = false, want true")
	}
	want := `-------------------------------------------
Batch: 1
-------------------------------------------
+----------+------------------+----------+-----------------------------------+----------+
|order_id  |event_type        |status    |message                            |sla_breach|
+----------+------------------+----------+-----------------------------------+----------+
|ORD-000001|ORDER_CONFIRMED   |ORDER     |Order placed for Blue Jeans (qty 2)|false     |
|ORD-000002|PROCESSING_STARTED|PROCESSING|Processing started                 |false     |
+----------+------------------+----------+-----------------------------------+----------+

`
	if got := buf.String(); got != want {
		t.Errorf("output mismatch\n got:\n%s\nwant:\n%s", got, want)
	}
	if got := c.Batches(); got != 1 {
		t.Errorf("Batches() = %d, want 1", got)
	}
}

func TestConsoleCells(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 120)
	tests := []struct {
		name    string
		message string
		want    string
	}{
		{"short", "hello", "|hello  |"},
		{"exactly 100", strings.Repeat("y", 100), "|" + strings.Repeat("y", 100) + "|"},
		{"truncated", long, "|" + strings.Repeat("x", 97) + "...|"},
		{"multibyte truncated", strings.Repeat("é", 101), "|" + strings.Repeat("é", 97) + "...|"},
		// A breach row keeps its SLA value (not cut at 60 characters).
		{"breach keeps its SLA", "SLA BREACH: Order ORD-20D0-000017-WEST-WAREHOUSE-REGION-12 not delivered within 7d - Item: Puffer Vest (qty 2)",
			"|SLA BREACH: Order ORD-20D0-000017-WEST-WAREHOUSE-REGION-12 not delivered within 7d - Item: Puffer...|"},
		{"newline kept on row", "a\nb\tc", "|a b c  |"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := NewConsole(&buf, 5)
			c.Add(update("ORD-1", order.UpdateShipped, order.StageShipped, tt.message))
			c.Flush()
			if !strings.Contains(buf.String(), tt.want+"false     |\n") {
				t.Errorf("message cell %q not in output:\n%s", tt.want, buf.String())
			}
		})
	}
}

func TestConsoleSummarisesPastMaxRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		maxRows int
		types   []order.UpdateType
		rows    int
		summary string
	}{
		{
			name:    "no summary at the limit",
			maxRows: 3,
			types:   []order.UpdateType{order.UpdateConfirmed, order.UpdateConfirmed, order.UpdateShipped},
			rows:    3,
		},
		{
			name:    "one hidden row",
			maxRows: 2,
			types:   []order.UpdateType{order.UpdateConfirmed, order.UpdateConfirmed, order.UpdateShipped},
			rows:    2,
			summary: "... and 1 more row: 1 ITEM_SHIPPED (every row: ordertrack watch)\n",
		},
		{
			name:    "counts per type, most first, equal ones breaches first, then lifecycle order",
			maxRows: 2,
			types: []order.UpdateType{
				order.UpdateShipped, order.UpdateConfirmed, order.UpdateShipped, order.UpdateBreach,
				order.UpdateConfirmed, order.UpdateBreach, order.UpdateProcessing, order.UpdateRejected,
				order.UpdateBreach, "CUSTOM",
			},
			rows:    2,
			summary: "... and 8 more rows: 2 ORDER_CONFIRMED, 2 ITEM_SHIPPED, 1 SLA_BREACH, 1 PROCESSING_STARTED, 1 EVENT_REJECTED, 1 CUSTOM (every row: ordertrack watch)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := NewConsole(&buf, tt.maxRows)
			for i, typ := range tt.types {
				c.Add(update(fmt.Sprintf("ORD-%d", i), typ, order.StageOrder, "m"))
			}
			c.Flush()
			out := buf.String()
			if got := len(rowOrderIDs(out)); got != tt.rows {
				t.Errorf("rows shown = %d, want %d\n%s", got, tt.rows, out)
			}
			gotSummary := ""
			if i := strings.Index(out, "... and "); i >= 0 {
				gotSummary = out[i : strings.Index(out[i:], "\n")+i+1]
			}
			if gotSummary != tt.summary {
				t.Errorf("summary = %q, want %q", gotSummary, tt.summary)
			}
		})
	}
}

func TestConsoleBreachesFirst(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	c := NewConsole(&buf, 4)
	c.Add(
		update("A", order.UpdateConfirmed, order.StageOrder, ""),
		update("B", order.UpdateBreach, order.StageOrder, "SLA BREACH: Order B not processed within 24h"),
		update("C", order.UpdateShipped, order.StageShipped, ""),
		update("D", order.UpdateBreach, order.StageProcessing, "SLA BREACH: Order D not shipped within 3d"),
		update("E", order.UpdateDelivered, order.StageDelivered, ""),
	)
	c.Flush()
	got := strings.Join(rowOrderIDs(buf.String()), ",")
	if want := "B,D,A,C"; got != want {
		t.Errorf("row order = %s, want %s\n%s", got, want, buf.String())
	}
	if !strings.Contains(buf.String(), "|B       |SLA_BREACH     |ORDER     |SLA BREACH: Order B not processed within 24h|true      |") {
		t.Errorf("breach row not rendered as expected:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "... and 1 more row: 1 ITEM_DELIVERED (every row: ordertrack watch)") {
		t.Errorf("hidden row not summarised:\n%s", buf.String())
	}
}

func TestConsoleConcurrentAdd(t *testing.T) {
	t.Parallel()
	const workers, perWorker = 8, 200
	w := newSignalWriter()
	c := NewConsole(w, workers*perWorker)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range perWorker {
				c.Add(update(fmt.Sprintf("ORD-%d-%d", g, i), order.UpdateConfirmed, order.StageOrder, "m"))
				if i%50 == 0 {
					c.Flush()
				}
			}
		})
	}
	wg.Wait()
	c.Flush()
	ids := rowOrderIDs(w.String())
	if len(ids) != workers*perWorker {
		t.Fatalf("rows printed = %d, want %d", len(ids), workers*perWorker)
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("row %s printed twice", id)
		}
		seen[id] = true
	}
	if got, want := strings.Count(w.String(), "Batch: "), c.Batches(); got != want {
		t.Errorf("batch headings = %d, Batches() = %d", got, want)
	}
	last := fmt.Sprintf("Batch: %d\n", c.Batches())
	if !strings.Contains(w.String(), last) {
		t.Errorf("batches not numbered up to %d", c.Batches())
	}
}

func TestConsoleFlushEmpty(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	c := NewConsole(&buf, 5)
	if c.Flush() {
		t.Error("Flush() on empty console = true, want false")
	}
	if buf.Len() != 0 || c.Batches() != 0 {
		t.Errorf("empty flush printed %q, Batches() = %d", buf.String(), c.Batches())
	}
	c.Add(update("ORD-1", order.UpdateConfirmed, order.StageOrder, "x"))
	c.Flush()
	if c.Flush() {
		t.Error("second Flush() with nothing new = true, want false")
	}
	if !strings.Contains(buf.String(), "Batch: 1\n") || c.Batches() != 1 {
		t.Errorf("want exactly batch 1, Batches() = %d:\n%s", c.Batches(), buf.String())
	}
}

func TestConsoleRunFlushesOnTick(t *testing.T) {
	t.Parallel()
	w := newSignalWriter()
	c := NewConsole(w, 5)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, 5*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })

	c.Add(update("ORD-1", order.UpdateConfirmed, order.StageOrder, "first"))
	w.waitWrite(t)
	c.Add(update("ORD-2", order.UpdateShipped, order.StageShipped, "second"))
	w.waitWrite(t)
	out := w.String()
	if !strings.Contains(out, "Batch: 1\n") || !strings.Contains(out, "Batch: 2\n") {
		t.Errorf("want batches 1 and 2:\n%s", out)
	}
	if got := strings.Join(rowOrderIDs(out), ","); got != "ORD-1,ORD-2" {
		t.Errorf("rows = %s, want ORD-1,ORD-2", got)
	}
}

func TestConsoleRunFlushesOnCancel(t *testing.T) {
	t.Parallel()
	w := newSignalWriter()
	c := NewConsole(w, 5)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx, time.Hour) }()

	c.Add(update("ORD-9", order.UpdateCancelled, order.StageCancelled, "Order cancelled"))
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of cancel")
	}
	if c.Batches() != 1 {
		t.Errorf("Batches() = %d, want 1", c.Batches())
	}
	if got := rowOrderIDs(w.String()); len(got) != 1 || got[0] != "ORD-9" {
		t.Errorf("rows = %v, want [ORD-9]\n%s", got, w.String())
	}
}

// TestConsoleBreachesThenLifecycleThenWarnings: a batch cut at 4 rows
// shows the breach and the retraction, then lifecycle rows; the warnings,
// the most numerous and least urgent, are what the summary counts, and it
// says where every row is.
func TestConsoleBreachesThenLifecycleThenWarnings(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	c := NewConsole(&buf, 4)
	c.Add(
		update("W1", order.UpdateAtRisk, order.StageOrder, "SLA AT RISK: Order W1 has 5s left"),
		update("A", order.UpdateConfirmed, order.StageOrder, "Order placed"),
		update("W2", order.UpdateAtRisk, order.StageOrder, "SLA AT RISK: Order W2 has 4s left"),
		update("B", order.UpdateBreach, order.StageOrder, "SLA BREACH: Order B not processed within 1m"),
		update("S", order.UpdateShipped, order.StageShipped, "Item shipped"),
		update("W3", order.UpdateAtRisk, order.StageProcessing, "SLA AT RISK: Order W3 has 3s left"),
		update("R", order.UpdateRetracted, order.StageProcessing, "SLA BREACH RETRACTED: Order R"),
		update("D", order.UpdateDelivered, order.StageDelivered, "Item delivered"),
	)
	c.Flush()
	want := `-------------------------------------------
Batch: 1
-------------------------------------------
+--------+--------------------+----------+-------------------------------------------+----------+
|order_id|event_type          |status    |message                                    |sla_breach|
+--------+--------------------+----------+-------------------------------------------+----------+
|B       |SLA_BREACH          |ORDER     |SLA BREACH: Order B not processed within 1m|true      |
|R       |SLA_BREACH_RETRACTED|PROCESSING|SLA BREACH RETRACTED: Order R              |false     |
|A       |ORDER_CONFIRMED     |ORDER     |Order placed                               |false     |
|S       |ITEM_SHIPPED        |SHIPPED   |Item shipped                               |false     |
+--------+--------------------+----------+-------------------------------------------+----------+
... and 4 more rows: 3 SLA_AT_RISK, 1 ITEM_DELIVERED (every row: ordertrack watch)

`
	if got := buf.String(); got != want {
		t.Errorf("output mismatch\n got:\n%s\nwant:\n%s", got, want)
	}
}

// TestConsoleShowsWarningsWhenRoomIsLeft: warnings come last, and are shown
// when the batch has room for them.
func TestConsoleShowsWarningsWhenRoomIsLeft(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	c := NewConsole(&buf, 5)
	c.Add(
		update("W", order.UpdateAtRisk, order.StageOrder, "SLA AT RISK: Order W has 5s left"),
		update("A", order.UpdateConfirmed, order.StageOrder, ""),
		update("R", order.UpdateRetracted, order.StageProcessing, "SLA BREACH RETRACTED: Order R"),
	)
	c.Flush()
	if got := strings.Join(rowOrderIDs(buf.String()), ","); got != "R,A,W" || strings.Contains(buf.String(), "more row") {
		t.Errorf("row order = %s, want R,A,W and no summary\n%s", got, buf.String())
	}
}
