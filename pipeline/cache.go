package pipeline

// stateCache remembers the states and revisions a partition owner wrote, so
// the next batch can compare-and-set without reading KV first. It is only a
// hint: a stale entry makes the CAS fail, and the order is re-read.
type stateCache struct {
	limit   int
	entries map[string]cached
}

func newStateCache(limit int) *stateCache {
	return &stateCache{limit: limit, entries: make(map[string]cached)}
}

func (c *stateCache) get(id string) (cached, bool) {
	e, ok := c.entries[id]
	return e, ok
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
	c.entries[id] = e
}

func (c *stateCache) drop(id string) { delete(c.entries, id) }
