package monitor

import (
	"container/heap"
	"slices"
	"sync"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// AtRiskKeep is how many open orders the at-risk list keeps per scan: the
// ones nearest to their next deadline. /api/at-risk's limit is capped to it.
const AtRiskKeep = 1000

// AtRiskOrder is an open order and its next pending deadline.
type AtRiskOrder struct {
	OrderID     string      `json:"order_id"`
	Status      order.Stage `json:"status"`
	SLA         order.SLA   `json:"sla"`
	Deadline    time.Time   `json:"deadline"`
	LeftSeconds float64     `json:"left_seconds"` // negative once overdue
	TenantID    string      `json:"tenant_id,omitempty"`
	CustomerID  string      `json:"customer_id,omitempty"`
	ItemName    string      `json:"item_name,omitempty"`
}

// AtRisk is the body of /api/at-risk.
type AtRisk struct {
	At        time.Time     `json:"at"`
	ScannedAt time.Time     `json:"scanned_at"`
	Orders    []AtRiskOrder `json:"orders"`
}

// nearest keeps the k orders with the earliest deadlines offered to it: a
// max-heap of k entries, O(log k) per offer, so a scan of N orders costs
// O(N log k) time and O(k) memory.
type nearest struct {
	k int
	h deadlineHeap
}

func (n *nearest) offer(o AtRiskOrder) {
	if len(n.h) < n.k {
		heap.Push(&n.h, o)
		return
	}
	if n.k > 0 && o.Deadline.Before(n.h[0].Deadline) {
		n.h[0] = o
		heap.Fix(&n.h, 0)
	}
}

// sorted returns the kept orders, earliest deadline first.
func (n *nearest) sorted() []AtRiskOrder {
	out := slices.Clone([]AtRiskOrder(n.h))
	slices.SortFunc(out, func(a, b AtRiskOrder) int { return a.Deadline.Compare(b.Deadline) })
	return out
}

// deadlineHeap is a max-heap on Deadline (the latest on top).
type deadlineHeap []AtRiskOrder

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].Deadline.After(h[j].Deadline) }
func (h deadlineHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlineHeap) Push(x any)        { *h = append(*h, x.(AtRiskOrder)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// atRiskOf returns an open order's next deadline as an at-risk entry.
func atRiskOf(s order.State, r order.Rules) (AtRiskOrder, bool) {
	d, ok := r.NextDeadline(s)
	if !ok {
		return AtRiskOrder{}, false
	}
	return AtRiskOrder{OrderID: s.OrderID, Status: s.Status, SLA: d.SLA, Deadline: d.At,
		TenantID: s.TenantID, CustomerID: s.CustomerID, ItemName: s.ItemName}, true
}

// atRiskList is the last scan's nearest orders. An order that emits an
// output after the scan (it advanced, was cancelled or breached) leaves the
// list at once, because its next deadline moved; the next scan puts it
// back where it now belongs.
type atRiskList struct {
	mu        sync.Mutex
	scannedAt time.Time
	orders    []AtRiskOrder
	index     map[string]bool // order id -> still listed
	// during holds the orders that moved while a scan ran (nil when none
	// runs): the scan may have read them before they moved.
	during map[string]bool
}

// begin marks the start of a scan.
func (l *atRiskList) begin() {
	l.mu.Lock()
	l.during = map[string]bool{}
	l.mu.Unlock()
}

// replace installs a scan's result, less the orders that moved meanwhile.
func (l *atRiskList) replace(at time.Time, orders []AtRiskOrder) {
	idx := make(map[string]bool, len(orders))
	for _, o := range orders {
		idx[o.OrderID] = true
	}
	l.mu.Lock()
	for id := range l.during {
		if idx[id] {
			idx[id] = false
		}
	}
	l.scannedAt, l.orders, l.index, l.during = at, orders, idx, nil
	l.mu.Unlock()
}

// moved drops an order from the list until the next scan.
func (l *atRiskList) moved(id string) {
	l.mu.Lock()
	if l.index[id] {
		l.index[id] = false
	}
	if l.during != nil {
		l.during[id] = true
	}
	l.mu.Unlock()
}

// top returns up to limit listed orders with the time left at now.
func (l *atRiskList) top(now time.Time, limit int) AtRisk {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := AtRisk{At: now, ScannedAt: l.scannedAt, Orders: []AtRiskOrder{}}
	for _, o := range l.orders {
		if len(out.Orders) >= limit {
			break
		}
		if l.index[o.OrderID] {
			o.LeftSeconds = o.Deadline.Sub(now).Seconds()
			out.Orders = append(out.Orders, o)
		}
	}
	return out
}
