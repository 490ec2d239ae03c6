package pipeline

import (
	"cmp"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

const (
	// defaultConsoleRows is how many rows a batch shows when NewConsole is
	// given fewer than one, as Spark's show() does.
	defaultConsoleRows = 20
	// defaultConsoleEvery is the flush cadence Run uses when given none.
	defaultConsoleEvery = time.Second
	// maxMessageWidth caps the message column; longer messages end in "...".
	// At 100 a breach row ("SLA BREACH: Order <id> not delivered within 7d
	// - Item: ...") keeps its SLA value for order ids up to 48 characters
	// (at 60 it was cut for the demo's 15-character ids).
	maxMessageWidth = 100
	// batchRule frames the "Batch: N" heading, as Spark's console sink does.
	batchRule = "-------------------------------------------"
)

// consoleHeader names the columns of the original Spark console output.
var consoleHeader = []string{"order_id", "event_type", "status", "message", "sla_breach"}

// summaryOrder lists the update types in the order a batch summary lists
// equal counts.
var summaryOrder = []order.UpdateType{
	order.UpdateBreach, order.UpdateRetracted,
	order.UpdateConfirmed, order.UpdateProcessing, order.UpdateShipped,
	order.UpdateDelivered, order.UpdateCancelled, order.UpdateRejected,
	order.UpdateAtRisk,
}

// rowClass is where an update's row goes in a batch: breaches and their
// retractions first, then lifecycle rows (rejections included), then the
// at-risk warnings, which are the most numerous and the least urgent.
type rowClass int

const (
	classAlert rowClass = iota
	classLifecycle
	classWarning
	rowClasses
)

func classOf(u order.Update) rowClass {
	switch u.Type {
	case order.UpdateBreach, order.UpdateRetracted:
		return classAlert
	case order.UpdateAtRisk:
		return classWarning
	}
	return classLifecycle
}

// Console prints updates as micro-batch tables like the original Spark console sink.
//
// Partition workers Add updates as they are emitted; Flush (or Run, on a
// cadence) prints what arrived since the previous flush as one table headed
// "Batch: N". SLA breaches and retractions are listed first, then
// lifecycle rows, then at-risk warnings. Past maxRows rows the rest of the
// batch is summarised in one line with a count per event type, which names
// ordertrack watch for every row; only the rows that can be shown are kept,
// so memory stays bounded at any rate. Write errors are
// ignored: the console is a best-effort view, not a sink of record.
type Console struct {
	w io.Writer

	mu      sync.Mutex // guards batch and maxRows
	batch   consoleBatch
	maxRows int

	printMu sync.Mutex // serialises printing so batches appear whole and in order
	batches atomic.Int64
}

// consoleBatch collects the updates added since the last flush.
type consoleBatch struct {
	rows   [rowClasses][]order.Update // the first maxRows updates of each class, in arrival order
	counts map[order.UpdateType]int   // every update added, by type
	total  int
}

// NewConsole returns a console printing to w that shows at most maxRows rows
// per batch (default 20 when maxRows < 1) and summarises the rest.
func NewConsole(w io.Writer, maxRows int) *Console {
	if maxRows < 1 {
		maxRows = defaultConsoleRows
	}
	return &Console{w: w, maxRows: maxRows}
}

// SetMaxRows changes the rows shown per batch from the next batch on
// (output.max_rows is live); n < 1 is the default.
func (c *Console) SetMaxRows(n int) {
	if n < 1 {
		n = defaultConsoleRows
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxRows = n
}

// Add queues updates for the next batch. It is safe for concurrent use.
func (c *Console) Add(updates ...order.Update) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := &c.batch
	if b.counts == nil {
		b.counts = make(map[order.UpdateType]int)
	}
	for _, u := range updates {
		b.total++
		b.counts[u.Type]++
		if k := classOf(u); len(b.rows[k]) < c.maxRows {
			b.rows[k] = append(b.rows[k], u)
		}
	}
}

// Flush prints what was added since the last flush as one batch and reports
// whether it printed anything; an empty batch prints nothing.
func (c *Console) Flush() (printed bool) {
	c.printMu.Lock()
	defer c.printMu.Unlock()
	c.mu.Lock()
	b, maxRows := c.batch, c.maxRows
	c.batch = consoleBatch{}
	c.mu.Unlock()
	if b.total == 0 {
		return false
	}
	n := int(c.batches.Add(1))
	_, _ = io.WriteString(c.w, renderBatch(n, b, maxRows))
	return true
}

// Run flushes every interval (default 1s when every <= 0) until ctx is done,
// then flushes once more so nothing added before the end is lost.
func (c *Console) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = defaultConsoleEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c.Flush()
			return
		case <-t.C:
			c.Flush()
		}
	}
}

// Batches returns the number of batches printed so far.
func (c *Console) Batches() int { return int(c.batches.Load()) }

// renderBatch formats batch n: heading, table of the shown rows and, when
// rows were hidden, one summary line.
func renderBatch(n int, b consoleBatch, maxRows int) string {
	var shown []order.Update
	for _, rows := range b.rows {
		shown = append(shown, rows[:min(maxRows-len(shown), len(rows))]...)
	}
	var sb strings.Builder
	sb.WriteString(batchRule + "\nBatch: " + strconv.Itoa(n) + "\n" + batchRule + "\n")
	writeTable(&sb, consoleRows(shown))
	if hidden := b.total - len(shown); hidden > 0 {
		sb.WriteString(summaryLine(hidden, hiddenCounts(b.counts, shown)))
	}
	sb.WriteString("\n")
	return sb.String()
}

// consoleRows turns updates into table cells.
func consoleRows(us []order.Update) [][]string {
	rows := make([][]string, len(us))
	for i, u := range us {
		rows[i] = []string{
			cell(u.OrderID), cell(string(u.Type)), cell(string(u.Status)),
			truncate(cell(u.Message), maxMessageWidth), strconv.FormatBool(u.SLABreach),
		}
	}
	return rows
}

// writeTable writes the header and rows with columns as wide as their content.
func writeTable(sb *strings.Builder, rows [][]string) {
	widths := make([]int, len(consoleHeader))
	for i, h := range consoleHeader {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, v := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(v))
		}
	}
	border := tableBorder(widths)
	sb.WriteString(border)
	writeRow(sb, consoleHeader, widths)
	sb.WriteString(border)
	for _, r := range rows {
		writeRow(sb, r, widths)
	}
	sb.WriteString(border)
}

// tableBorder returns a line like +-----+----+.
func tableBorder(widths []int) string {
	var sb strings.Builder
	for _, w := range widths {
		sb.WriteString("+" + strings.Repeat("-", w))
	}
	sb.WriteString("+\n")
	return sb.String()
}

// writeRow writes one left-aligned row like |a   |b  |.
func writeRow(sb *strings.Builder, cells []string, widths []int) {
	for i, v := range cells {
		sb.WriteString("|" + v + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(v)))
	}
	sb.WriteString("|\n")
}

// cell replaces control characters (newlines, tabs) so a value stays on its row.
func cell(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// truncate shortens s to at most width runes, ending in "..." when cut.
func truncate(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-3]) + "..."
}

// hiddenCounts subtracts the shown rows from the per-type counts of a batch.
func hiddenCounts(counts map[order.UpdateType]int, shown []order.Update) map[order.UpdateType]int {
	hidden := make(map[order.UpdateType]int, len(counts))
	for t, n := range counts {
		hidden[t] = n
	}
	for _, u := range shown {
		hidden[u.Type]--
	}
	return hidden
}

// summaryLine reads like "... and 38 more rows: 30 SLA_AT_RISK, 8
// ITEM_SHIPPED (every row: ordertrack watch)": the most numerous type
// first, equal counts in summaryOrder, then any other type alphabetically.
func summaryLine(hidden int, counts map[order.UpdateType]int) string {
	var types []order.UpdateType
	for t, n := range counts {
		if n > 0 {
			types = append(types, t)
		}
	}
	rank := func(t order.UpdateType) int {
		if i := slices.Index(summaryOrder, t); i >= 0 {
			return i
		}
		return len(summaryOrder)
	}
	slices.SortFunc(types, func(a, b order.UpdateType) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = strconv.Itoa(counts[t]) + " " + string(t)
	}
	noun := "rows"
	if hidden == 1 {
		noun = "row"
	}
	return "... and " + strconv.Itoa(hidden) + " more " + noun + ": " + strings.Join(parts, ", ") + " (every row: ordertrack watch)\n"
}
