package pipeline_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// instance is one running pipeline with a connection of its own.
type instance struct {
	name string
	p    *pipeline.Pipeline
	nc   *nats.Conn
	stop func() // graceful stop; safe to call twice
}

// run starts an instance named name on its own connection to the server;
// it is stopped when the test ends.
func (e *env) run(name string) *instance {
	e.t.Helper()
	nc, js := pipelinetest.Connect(e.t, e.srv.URL(), nil)
	return e.runOn(name, nc, js)
}

func (e *env) runOn(name string, nc *nats.Conn, js jetstream.JetStream) *instance {
	e.t.Helper()
	prov, err := contract.Provision(context.Background(), js, e.cfg, testLog())
	if err != nil {
		e.t.Fatal(err)
	}
	p := pipeline.New(js, prov, pipeline.Options{Config: e.cfg, Log: testLog(), Instance: pipeline.InstanceInfo{Name: name}})
	in := &instance{name: name, p: p, nc: nc}
	in.stop = pipelinetest.StartPipeline(e.t, p, pipelinetest.Named("instance "+name), pipelinetest.StopWithin(15*time.Second))
	return in
}

func (in *instance) owned() []int {
	var ps []int
	for p, ok := range in.p.Stats().Owned() {
		if ok {
			ps = append(ps, p)
		}
	}
	slices.Sort(ps)
	return ps
}

// waitSplit waits until the instances own exactly the given numbers of
// partitions, every partition once, and returns how long that took.
func waitSplit(t *testing.T, within time.Duration, want []int, ins ...*instance) time.Duration {
	t.Helper()
	start := time.Now()
	pipelinetest.WaitFor(t, within, func() error {
		seen := map[int]string{}
		var got []int
		for _, in := range ins {
			ps := in.owned()
			got = append(got, len(ps))
			for _, p := range ps {
				if other, ok := seen[p]; ok {
					return fmt.Errorf("partition %d owned by %s and %s", p, other, in.name)
				}
				seen[p] = in.name
			}
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("instances own %v partitions, want %v", got, want)
		}
		return nil
	})
	return time.Since(start)
}

// TestInstancesShareThePartitions: a second instance gets half of the
// partitions from the first within 15 s, a third takes from both (3/3/2),
// status' instances say who owns what, and a graceful stop hands its
// partitions back within 5 s.
func TestInstancesShareThePartitions(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Streaming.Partitions = 8
	e := setup(t, cfg)
	a := e.run("inst-a")
	waitSplit(t, pipelinetest.WaitTimeout(), []int{8}, a)
	b := e.run("inst-b")
	t.Logf("second instance: 4/4 after %v", waitSplit(t, pipelinetest.WaitTimeout(), []int{4, 4}, a, b).Round(time.Millisecond))
	before := map[string][]int{"a": a.owned(), "b": b.owned()}
	c := e.run("inst-c")
	t.Logf("third instance: 3/3/2 after %v", waitSplit(t, pipelinetest.WaitTimeout(), []int{3, 3, 2}, a, b, c).Round(time.Millisecond))
	for name, in := range map[string]*instance{"a": a, "b": b} {
		if kept := in.owned(); len(kept) != 3 || !isSubset(kept, before[name]) {
			t.Errorf("instance %s went from %v to %v: it should keep 3 of its own", name, before[name], kept)
		}
	}
	var instances []ownership.Instance
	pipelinetest.WaitFor(t, 5*time.Second, func() error {
		var err error
		if instances, err = ownership.ReadInstances(context.Background(), e.js, cfg.Subjects.Prefix); err != nil {
			return err
		}
		for i, in := range []*instance{a, b, c} {
			if len(instances) != 3 || instances[i].Name != in.name || !slices.Equal(instances[i].Partitions, in.owned()) {
				return fmt.Errorf("heartbeats %+v do not match the owned partitions", instances)
			}
		}
		return nil
	})
	if in := instances[0]; in.Version != "dev" || in.ConfigHash == "" || in.Since.IsZero() || in.ConfigLoadedAt.IsZero() {
		t.Errorf("heartbeat %+v lacks version, config hash or times", in)
	}
	stopped := time.Now()
	c.stop()
	waitSplit(t, 5*time.Second, []int{4, 4}, a, b)
	t.Logf("graceful stop of the third: 4/4 again %v after the stop began", time.Since(stopped).Round(time.Millisecond))
}

func isSubset(a, b []int) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// pins returns, per events consumer, the pinned client id and since when.
func (e *env) pins() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for i := range e.cfg.Streaming.Partitions {
		c, err := e.prov.Events.Consumer(context.Background(), e.prov.Topology.EventsConsumer(i))
		if err != nil {
			e.t.Fatal(err)
		}
		for _, g := range c.CachedInfo().PriorityGroups {
			out[c.CachedInfo().Name] = g.PinnedClientID + "@" + g.PinnedTS.String()
		}
	}
	return out
}

// TestStandbyMovesNothing: with more instances than
// partitions, starting and stopping a standby changes no owner and no pin.
// Before, stopping a standby unpinned every partition.
func TestStandbyMovesNothing(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Streaming.Partitions = 2
	e := setup(t, cfg)
	a, b := e.run("inst-a"), e.run("inst-b")
	waitSplit(t, pipelinetest.WaitTimeout(), []int{1, 1}, a, b)
	for i := range 20 { // every partition delivers, so each has a pin
		e.publish(ev{id: fmt.Sprintf("PIN-%02d", i), typ: "ORDER_PLACED"})
	}
	e.waitIdle()
	pinned := e.pins()
	owners := [][]int{a.owned(), b.owned()}
	standby := e.run("inst-c")
	pipelinetest.WaitFor(t, 5*time.Second, func() error {
		in, err := ownership.ReadInstances(context.Background(), e.js, cfg.Subjects.Prefix)
		if err != nil || len(in) != 3 {
			return fmt.Errorf("instances %v (%v), want 3", in, err)
		}
		return nil
	})
	waitSplit(t, 5*time.Second, []int{1, 1, 0}, a, b, standby)
	standby.stop()
	for i := range 20 {
		e.publish(ev{id: fmt.Sprintf("PIN-%02d", i), typ: "PROCESSING_STARTED"})
	}
	e.waitIdle()
	if got := [][]int{a.owned(), b.owned()}; fmt.Sprint(got) != fmt.Sprint(owners) {
		t.Errorf("owners moved from %v to %v", owners, got)
	}
	if got := e.pins(); fmt.Sprint(got) != fmt.Sprint(pinned) {
		t.Errorf("pins changed when the standby started and stopped:\nbefore %v\nafter  %v", pinned, got)
	}
}

// orderIn returns an order id with prefix that falls in partition part.
func orderIn(topo contract.Topology, part int, prefix string) string {
	for i := 0; ; i++ {
		if id := fmt.Sprintf("%s-%d", prefix, i); topo.Partition(id) == part {
			return id
		}
	}
}

// TestKilledInstanceTakenOver runs two instances under load and kills the
// busiest one (its connection cut, no unpin, no goodbye: kill -9 as NATS
// sees it). The other takes all partitions within pinned_ttl + 5 s, the
// killed one's partitions process new events again within that time, and
// nothing is lost or applied twice.
func TestKilledInstanceTakenOver(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Streaming.Partitions = 8
	e := setup(t, cfg)
	anc, ajs := pipelinetest.Connect(t, e.srv.URL(), nil)
	ins := []*instance{e.runOn("inst-a", anc, ajs), nil}
	bnc, bjs := pipelinetest.Connect(t, e.srv.URL(), nil)
	ins[1] = e.runOn("inst-b", bnc, bjs)
	waitSplit(t, pipelinetest.WaitTimeout(), []int{4, 4}, ins...)

	const n = 800
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	halfway := make(chan struct{})
	var once sync.Once
	produced := make(chan error, 1)
	go func() {
		produced <- producePaced(ctx, e.js, n, 400, func(k int) {
			if k >= 4*n/3 { // a third of the events
				once.Do(func() { close(halfway) })
			}
		})
	}()
	<-halfway
	victim, survivor := ins[0], ins[1]
	if ins[1].p.Stats().Events.Load() > ins[0].p.Stats().Events.Load() {
		victim, survivor = ins[1], ins[0]
	}
	lost := victim.owned()
	killed := time.Now()
	victim.nc.Close()
	waitSplit(t, cfg.Streaming.PinnedTTL+5*time.Second, []int{8}, survivor)
	owned := time.Since(killed)
	var markers []string
	for _, part := range lost {
		id := orderIn(e.prov.Topology, part, "KILL")
		markers = append(markers, id)
		e.publish(ev{id: id, typ: "ORDER_PLACED"})
	}
	pipelinetest.WaitFor(t, cfg.Streaming.PinnedTTL+5*time.Second-time.Since(killed), func() error {
		for _, id := range markers {
			if s, _ := e.state(id); s.Status == "" {
				return fmt.Errorf("order %s (partition %d) not processed", id, e.prov.Topology.Partition(id))
			}
		}
		return nil
	})
	t.Logf("killed %s (partitions %v): %s owned all after %v, processed them again after %v",
		victim.name, lost, survivor.name, owned.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, 30*time.Second, e.idle)
	states := e.allStates()
	var outs []output
	for _, o := range e.allOutputs() {
		if len(o.OrderID) > 4 && o.OrderID[:4] == "RST-" {
			outs = append(outs, o)
		}
	}
	checkExactlyOnce(t, outs, n, func(id string) order.State { return states[id] })
	if dl := e.deadLetters(); len(dl) != 0 {
		t.Errorf("%d dead letters", len(dl))
	}
}
