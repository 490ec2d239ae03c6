package monitor

import (
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// AtRiskKeep caps /api/at-risk's limit: the most open orders, nearest to
// their next deadline, one answer lists.
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
	At time.Time `json:"at"`
	// ScannedAt is when the views were last known current: now while the
	// read model follows the bucket, else when it stopped following.
	ScannedAt time.Time     `json:"scanned_at"`
	Orders    []AtRiskOrder `json:"orders"`
}

// deadlineHeap holds every open order with a pending deadline, the
// earliest on top: a binary min-heap of entry numbers (4 bytes an order)
// whose slots the entries know (entry.slot), so an order that moves takes
// its new place in O(log n) and the first k are read in O(k log k).
type deadlineHeap []uint32

// update puts entry n where its deadline belongs (entry.slot is where it
// was, -1 for nowhere); an entry without one leaves the heap.
func (h *deadlineHeap) update(v *views, n uint32) {
	e := &v.entries[n]
	if !e.due {
		h.remove(v, e.slot)
		v.entries[n].slot = -1
		return
	}
	if e.slot < 0 {
		e.slot = int32(len(*h))
		*h = append(*h, n)
	}
	h.fix(v, int(e.slot))
}

// remove takes the entry in slot out (slot < 0: none).
func (h *deadlineHeap) remove(v *views, slot int32) {
	if slot < 0 {
		return
	}
	last := len(*h) - 1
	if int(slot) != last {
		h.swap(v, int(slot), last)
	}
	*h = (*h)[:last]
	if int(slot) < last {
		h.fix(v, int(slot))
	}
}

func (h deadlineHeap) at(v *views, i int) int64 { return v.entries[h[i]].deadline }

func (h deadlineHeap) fix(v *views, i int) {
	if !h.down(v, i) {
		h.up(v, i)
	}
}

func (h deadlineHeap) up(v *views, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h.at(v, p) <= h.at(v, i) {
			return
		}
		h.swap(v, i, p)
		i = p
	}
}

func (h deadlineHeap) down(v *views, i0 int) bool {
	i := i0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && h.at(v, r) < h.at(v, l) {
			c = r
		}
		if h.at(v, i) <= h.at(v, c) {
			break
		}
		h.swap(v, i, c)
		i = c
	}
	return i > i0
}

func (h deadlineHeap) swap(v *views, i, j int) {
	h[i], h[j] = h[j], h[i]
	v.entries[h[i]].slot, v.entries[h[j]].slot = int32(i), int32(j)
}

// first returns the slots of the k earliest deadlines, earliest first,
// without changing the heap: a small heap of candidates, starting at the
// top, takes the smallest and offers its two children.
func (h deadlineHeap) first(v *views, k int) []int {
	var out []int
	cand := []int{0}
	for len(out) < k && len(cand) > 0 && len(h) > 0 {
		best := 0
		for i, c := range cand {
			if h.at(v, c) < h.at(v, cand[best]) {
				best = i
			}
		}
		c := cand[best]
		cand[best] = cand[len(cand)-1]
		cand = cand[:len(cand)-1]
		out = append(out, c)
		for _, child := range []int{2*c + 1, 2*c + 2} {
			if child < len(h) {
				cand = append(cand, child)
			}
		}
	}
	return out
}
