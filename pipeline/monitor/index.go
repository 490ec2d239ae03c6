package monitor

import "hash/maphash"

// orderIndex finds an order's entry by its id: open addressing with linear
// probing over entry numbers (number+1 in a slot, 0: empty), 4 bytes a
// slot and at most 3/4 of the slots used, so 5 to 11 bytes per order where
// a Go map keyed by the id would cost its 16-byte string header and the
// value in every slot. Deletion shifts the following slots back (no
// tombstones), so a lookup never walks further than the run it is in.
type orderIndex struct {
	seed  maphash.Seed
	slots []uint32
	n     int
}

func (x *orderIndex) home(id string) int {
	return int(maphash.String(x.seed, id) & uint64(len(x.slots)-1))
}

// find returns the slot holding id, or the empty slot where it would go.
func (x *orderIndex) find(entries []entry, id string) (int, bool) {
	mask := len(x.slots) - 1
	for i := x.home(id); ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return i, false
		}
		if entries[s-1].id == id {
			return i, true
		}
	}
}

// get returns the number of id's entry.
func (x *orderIndex) get(entries []entry, id string) (uint32, bool) {
	if x.n == 0 {
		return 0, false
	}
	i, ok := x.find(entries, id)
	if !ok {
		return 0, false
	}
	return x.slots[i] - 1, true
}

// put records that entry number e holds entries[e].id, not yet indexed.
func (x *orderIndex) put(entries []entry, e uint32) {
	if len(x.slots) == 0 {
		x.seed = maphash.MakeSeed()
		x.slots = make([]uint32, 1024)
	}
	if 4*(x.n+1) > 3*len(x.slots) {
		x.grow(entries)
	}
	i, _ := x.find(entries, entries[e].id)
	x.slots[i] = e + 1
	x.n++
}

func (x *orderIndex) grow(entries []entry) {
	old := x.slots
	x.slots = make([]uint32, 2*len(old))
	mask := len(x.slots) - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := x.home(entries[s-1].id)
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
}

// remove takes id out of the index.
func (x *orderIndex) remove(entries []entry, id string) {
	if x.n == 0 {
		return
	}
	i, ok := x.find(entries, id)
	if !ok {
		return
	}
	mask := len(x.slots) - 1
	for j := (i + 1) & mask; x.slots[j] != 0; j = (j + 1) & mask {
		k := x.home(entries[x.slots[j]-1].id)
		// The entry at j may move back to i unless its home lies
		// cyclically in (i, j].
		if (i <= j && (k <= i || k > j)) || (i > j && k <= i && k > j) {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = 0
	x.n--
}
