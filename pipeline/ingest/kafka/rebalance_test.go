package kafka

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// severable dials the brokers and can cut every connection at once and
// refuse new ones: in-process, an instance killed with -9 as Kafka sees
// it (no commit, no leave, no heartbeat).
type severable struct {
	mu    sync.Mutex
	conns []net.Conn
	dead  bool
}

func (s *severable) dial(ctx context.Context, network, host string) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead {
		return nil, fmt.Errorf("killed")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, host)
	if err == nil {
		s.conns = append(s.conns, c)
	}
	return c, err
}

func (s *severable) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dead = true
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// owned is how many partitions a source owns.
func owned(r *running) int { return len(r.Status().Partitions) }

// waitOwned waits until the sources own want partitions each and returns
// how long that took.
func waitOwned(t *testing.T, want map[*running]int) time.Duration {
	t.Helper()
	start := time.Now()
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		for r, n := range want {
			if got := owned(r); got != n {
				return fmt.Errorf("a source owns %d partitions, want %d", got, n)
			}
		}
		return nil
	})
	return time.Since(start)
}

// TestTwoInstancesShareAndHandOver: two sources share 6 partitions while
// records keep coming; one stops gracefully (its partitions move to the
// other at once), a third joins and is killed (its partitions move after
// the session timeout). Every record is stored exactly once, each
// partition's in offset order, and the offsets are committed to the end.
func TestTwoInstancesShareAndHandOver(t *testing.T) {
	if testing.Short() {
		t.Skip("rebalances under load: skipped with -short (CI runs it)")
	}
	k := setup(t, 6)
	o := k.options()
	o.MaxInFlight = 64 // several batches per partition, so rebalances fall between them
	oa, ob := o, o
	oa.InstanceID, ob.InstanceID = "a", "b"
	a, b := k.start(oa), k.start(ob)
	waitOwned(t, map[*running]int{a: 3, b: 3})

	const rounds, perRound = 30, 6 * 5
	sent := make(chan int, rounds)
	go func() {
		defer close(sent)
		for r := range rounds {
			for i := range perRound {
				k.send(int32(i%6), event(fmt.Sprintf("R%02d-%02d", r, i), "ORDER_PLACED"))
			}
			sent <- r
		}
	}()
	<-sent
	b.stop(t)
	moved := waitOwned(t, map[*running]int{a: 6})
	t.Logf("graceful stop: its partitions moved in %s", moved.Round(time.Millisecond))
	if moved > 3*time.Second {
		t.Errorf("a stopped instance's partitions took %s to move; want well under the session timeout %s", moved, o.SessionTimeout)
	}

	var cut severable
	oc := o
	oc.InstanceID = "c"
	oc.ClientOptions = []kgo.Opt{kgo.Dialer(cut.dial)}
	c := k.start(oc)
	waitOwned(t, map[*running]int{a: 3, c: 3})
	<-sent
	killed := time.Now()
	cut.kill()
	waitOwned(t, map[*running]int{a: 6})
	t.Logf("killed instance: its partitions moved in %s (session timeout %s)", time.Since(killed).Round(time.Millisecond), o.SessionTimeout)
	for range sent {
	}
	events := k.stored(contract.EventsStream, rounds*perRound)
	seen := map[string]bool{}
	for _, m := range events {
		id := m.Headers().Get(jetstream.MsgIDHeader)
		if seen[id] {
			t.Errorf("%s stored twice", id)
		}
		seen[id] = true
	}
	checkOffsetOrder(t, events)
	end := map[int32]int64{}
	for p := range int32(6) {
		end[p] = rounds * perRound / 6
	}
	k.waitCommitted(end)
}

// TestStaticMemberReclaims: an instance killed and restarted under the
// same instance.name gets its partitions back at once, long before the
// session timeout, and resumes from its last commit.
func TestStaticMemberReclaims(t *testing.T) {
	k := setup(t, 4)
	o := k.options()
	o.InstanceID, o.SessionTimeout = "node-1", 6*time.Second
	var cut severable
	first := o
	first.ClientOptions = []kgo.Opt{kgo.Dialer(cut.dial)}
	a := k.start(first)
	waitOwned(t, map[*running]int{a: 4})
	for p := range int32(4) {
		k.send(p, event(fmt.Sprintf("S-%d", p), "ORDER_PLACED"))
	}
	k.stored(contract.EventsStream, 4)
	k.waitCommitted(map[int32]int64{0: 1, 1: 1, 2: 1, 3: 1})
	cut.kill()

	b := k.start(o)
	took := waitOwned(t, map[*running]int{b: 4})
	t.Logf("restarted static member reclaimed its partitions in %s (session timeout %s)", took.Round(time.Millisecond), o.SessionTimeout)
	if took >= o.SessionTimeout/2 {
		t.Errorf("reclaim took %s; want far less than the session timeout %s", took, o.SessionTimeout)
	}
	for p := range int32(4) {
		k.send(p, event(fmt.Sprintf("S2-%d", p), "ORDER_PLACED"))
	}
	checkOffsetOrder(t, k.stored(contract.EventsStream, 8))
	k.waitCommitted(map[int32]int64{0: 2, 1: 2, 2: 2, 3: 2})
}
