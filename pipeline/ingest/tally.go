package ingest

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/generator"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Tally counts what was emitted. Events may be read (a progress bar) while
// the publisher writes; the rest belongs to the publisher.
type Tally struct {
	Events atomic.Int64
	orders int
	kinds  map[string]int
	types  map[order.EventType]int
}

// Add counts one emission.
func (t *Tally) Add(em generator.Emission) {
	if t.kinds == nil {
		t.kinds, t.types = map[string]int{}, map[order.EventType]int{}
	}
	t.Events.Add(1)
	t.kinds[em.Kind]++
	t.types[em.Event.Type]++
	if em.Event.Type == order.OrderPlaced && !em.Duplicate {
		t.orders++
	}
}

// Summary is the closing line: events, orders, duration, rate, by kind and type.
func (t *Tally) Summary(d time.Duration, seed int64, dry bool) string {
	n := t.Events.Load()
	var b strings.Builder
	verb := "published"
	if dry {
		verb = "generated (dry run)"
	}
	fmt.Fprintf(&b, "%s %d events for %d orders", verb, n, t.orders)
	if d > 0 {
		fmt.Fprintf(&b, " in %s (%.0f events/s)", d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	fmt.Fprintf(&b, "; seed %d\n  by kind: %s\n  by type: %s", seed, counted(t.kinds), counted(t.types))
	return b.String()
}

// counted renders a count map as "a 3, b 1", sorted by name.
func counted[K ~string](m map[K]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[K(k)])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
