package pipeline

import "github.com/ordertrack/ordertrack/pipeline/order"

// stateCache remembers the states and revisions a partition owner wrote, so
// the next batch can compare-and-set without reading KV first. It is only a
// hint: a stale entry makes the CAS fail, and the order is re-read.
//
// Entries are held by pointer and overwritten in place: a map of large
// values keeps its unused slots at full size, a map of pointers does not.
type stateCache struct {
	limit   int
	entries map[string]*cached
}

func newStateCache(limit int) *stateCache {
	return &stateCache{limit: limit, entries: make(map[string]*cached)}
}

func (c *stateCache) get(id string) (cached, bool) {
	if e, ok := c.entries[id]; ok {
		return *e, true
	}
	return cached{}, false
}

// put stores an entry. Closed orders are not kept: they rarely see another
// event. Past the limit, an arbitrary half of the entries is forgotten.
func (c *stateCache) put(id string, e cached) {
	if e.state.Closed() {
		delete(c.entries, id)
		return
	}
	if len(c.entries) >= c.limit {
		n := 0
		for k := range c.entries {
			delete(c.entries, k)
			if n++; n >= c.limit/2 {
				break
			}
		}
	}
	if p, ok := c.entries[id]; ok {
		*p = e
		return
	}
	c.entries[id] = &e
}

func (c *stateCache) drop(id string) { delete(c.entries, id) }

// cached is what a partition owner remembers of an order between batches,
// so that it needs no KV read before a CAS write.
type cached struct {
	state order.State
	rev   uint64
	// unsent holds committed updates whose publication is not confirmed
	// (nil once confirmed).
	unsent []order.Update
	// timersGen is the partition's rules generation under which every
	// pending check instant of state got a timer; 0 when unknown (read
	// from KV).
	timersGen uint64
}
