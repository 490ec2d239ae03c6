package kafka

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestNATSRestartUnderLoad: records keep being produced to 4 partitions
// while the NATS server is stopped and started again on the same port and
// store. While it is away the source is paused and fetches nothing more
// (the records its client buffers and the stored count stay put while
// hundreds more are produced); it resumes by itself, and at the end every
// record is stored exactly once, in offset order per partition, with the
// offsets committed to each partition's end.
func TestNATSRestartUnderLoad(t *testing.T) {
	k := setup(t, 4)
	o := k.stableOptions()
	o.MaxInFlight = 64
	src := k.start(o)

	var produced atomic.Int64
	stop, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			recs := make([]*kgo.Record, 20)
			for j := range recs {
				n := i*len(recs) + j
				recs[j] = &kgo.Record{Partition: int32(n % 4), Value: []byte(event(fmt.Sprintf("R-%05d", n), "ORDER_PLACED"))}
			}
			if err := k.produce.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
				done <- err
				return
			}
			produced.Add(int64(len(recs)))
		}
	}()
	waitProduced := func(n int64) {
		pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
			if got := produced.Load(); got < n {
				return fmt.Errorf("produced %d, want %d", got, n)
			}
			return nil
		})
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if st := src.Status(); st.Stored < 200 {
			return fmt.Errorf("stored %d, want 200", st.Stored)
		}
		return nil
	})

	dir, port := trimJetStream(k.nats.Server.StoreDir()), addrPort(k.nats.Server.Addr())
	k.nats.Server.Shutdown()
	k.nats.Server.WaitForShutdown()
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if st := src.Status(); st.State != StatePaused {
			return fmt.Errorf("state %s, want paused", st.State)
		}
		return nil
	})
	held, stored := src.cl.BufferedFetchRecords(), src.Status().Stored
	waitProduced(produced.Load() + 500)
	if got, st := src.cl.BufferedFetchRecords(), src.Status(); got != held || st.Stored != stored || st.State != StatePaused {
		t.Errorf("while NATS is away: buffered %d records (was %d), stored %d (was %d), state %s; want fetching paused",
			got, held, st.Stored, stored, st.State)
	}

	k.nats.Server = pipelinetest.RunServer(t, dir, port)
	waitProduced(produced.Load() + 500)
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	total := int(produced.Load())
	checkOffsetOrder(t, k.stored(contract.EventsStream, total))
	want := map[int32]int64{}
	for p := range int32(4) {
		want[p] = int64(total / 4) // 20 records a batch, round robin: equal shares
	}
	k.waitCommitted(want)
	if st := src.Status(); st.State != StateRunning || st.Stored != int64(total) || st.DeadLettered != 0 {
		t.Errorf("status at the end %+v, want running with %d stored", st, total)
	}
}
