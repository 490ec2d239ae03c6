package pipeline

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Stats are the pipeline's running counters, safe for concurrent use.
type Stats struct {
	Batches   atomic.Uint64
	Messages  atomic.Uint64
	Events    atomic.Uint64 // input events and fired checks applied
	Updates   atomic.Uint64 // updates emitted
	Breaches  atomic.Uint64
	Conflicts atomic.Uint64 // CAS conflicts
	BatchNs   atomic.Uint64 // total batch processing time

	mu   sync.Mutex
	dead map[order.Reason]uint64
}

func (s *Stats) batch(n int, d time.Duration) {
	s.Batches.Add(1)
	s.Messages.Add(uint64(n))
	s.BatchNs.Add(uint64(d))
}

func (s *Stats) applied(g *group) {
	s.Events.Add(uint64(len(g.events) + len(g.fired)))
	s.Updates.Add(uint64(len(g.updates)))
	for _, u := range g.updates {
		if u.Type == order.UpdateBreach {
			s.Breaches.Add(1)
		}
	}
}

func (s *Stats) conflict() { s.Conflicts.Add(1) }

func (s *Stats) deadLetter(r order.Reason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead == nil {
		s.dead = map[order.Reason]uint64{}
	}
	s.dead[r]++
}

// DeadLetters returns the dead letters sent, by reason.
func (s *Stats) DeadLetters() map[order.Reason]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[order.Reason]uint64, len(s.dead))
	for k, v := range s.dead {
		out[k] = v
	}
	return out
}
