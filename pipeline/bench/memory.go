package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// memoryOverhead is the fixed time a memory phase needs besides loading
// (server start, restart, settling), for the time budget.
const memoryOverhead = 10 * time.Second

// benchMemory measures memory with each requested number of open orders,
// shrinking or skipping sizes that would overrun the time budget.
func (r *benchRun) benchMemory(ctx context.Context) error {
	for _, want := range r.opts.OpenOrders {
		n := r.fitBudget(want)
		if n == 0 {
			r.report.skip("memory with %s open orders: not enough of the %s budget left (estimated %s at %s events/s); raise --budget",
				thousands(int64(want)), r.opts.Budget, r.estimate(want).Round(time.Second), thousands(int64(r.loadEstimate())))
			continue
		}
		if n < want {
			r.report.skip("memory with %s open orders: measured %s instead to stay within the %s budget (raise --budget)",
				thousands(int64(want)), thousands(int64(n)), r.opts.Budget)
		}
		if err := r.memoryWith(ctx, n); err != nil {
			return fmt.Errorf("%s open orders: %w", thousands(int64(n)), err)
		}
	}
	return nil
}

// loadEstimate is the expected rate of loading open orders.
func (r *benchRun) loadEstimate() float64 {
	switch {
	case r.loadRate > 0:
		return r.loadRate
	case r.pipeRate > 0:
		return r.pipeRate * 0.6 // an ORDER_PLACED event writes state and output, and lists two checks
	}
	return 5_000
}

func (r *benchRun) estimate(n int) time.Duration {
	return time.Duration(float64(n)/r.loadEstimate()*1.2*float64(time.Second)) + memoryOverhead
}

// fitBudget returns n, or the largest round count that fits the time left,
// or 0 if not even 10,000 fit.
func (r *benchRun) fitBudget(n int) int {
	left := r.remaining()
	if r.estimate(n) <= left || n <= 10_000 {
		return n
	}
	fit := int((left - memoryOverhead).Seconds() / 1.2 * r.loadEstimate())
	fit = fit / 10_000 * 10_000
	if fit < 10_000 {
		return 0
	}
	return fit
}

// memoryWith loads n open orders into a fresh pipeline, reads the process's
// memory, then restarts the pipeline and times its first processed event.
func (r *benchRun) memoryWith(ctx context.Context, n int) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	e.start()
	debug.FreeOSMemory()
	resetPeakRSS()
	peak := startHeapSampler()
	begin := time.Now()
	now := time.Now()
	for i := range n {
		id := benchOrderID("MEM", i)
		if err := e.load.publish(e.prov.Topology.EventSubject(id), placedEvent(id, i, now), ""); err != nil {
			peak()
			return err
		}
	}
	err = e.load.wait(2 * time.Minute)
	if err == nil {
		err = e.waitUpdates(ctx, int64(n), max(2*time.Minute, time.Duration(n/1000)*time.Second))
	}
	took := time.Since(begin)
	peakHeap := peak()
	if err != nil {
		return err
	}
	r.loadRate = perSecond(n, took)
	debug.FreeOSMemory() // a GC that also returns free memory, so RSS shows what is held
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	rss, hwm := procStatus("VmRSS"), procStatus("VmHWM")
	if err := r.writeHeapProfile(); err != nil {
		return err
	}
	phase := fmt.Sprintf("memory (%s open)", thousands(int64(n)))
	r.report.add(phase, "load rate (ORDER_PLACED, 2 SLA checks each)", r.loadRate, "events/s")
	if n == 100_000 {
		r.report.atMost(phase, "peak RSS (server + pipeline)", hwm, "MiB", 300)
	} else {
		r.report.add(phase, "peak RSS (server + pipeline)", hwm, "MiB")
	}
	r.report.add(phase, "RSS after GC, free memory returned to the OS", rss, "MiB")
	r.report.add(phase, "peak heap in use (sampled)", peakHeap, "MiB")
	r.report.add(phase, "heap in use after GC", float64(mem.HeapInuse)/(1<<20), "MiB")
	restart, err := r.restart(ctx, e)
	if err != nil {
		return err
	}
	r.report.add(phase, "restart to first processed event", ms(restart), "ms")
	return nil
}

// restart stops the pipeline, publishes one event for an open order, starts
// a new pipeline and times until that event is processed.
func (r *benchRun) restart(ctx context.Context, e *benchEnv) (time.Duration, error) {
	if err := e.stop(); err != nil {
		return 0, err
	}
	id := benchOrderID("MEM", 0)
	probe := fmt.Appendf(nil, `{"order_id":%q,"event_type":%q,"timestamp":%q}`, id, order.ProcessingStarted,
		time.Now().UTC().Format(time.RFC3339Nano))
	if err := e.load.publish(e.prov.Topology.EventSubject(id), probe, ""); err != nil {
		return 0, err
	}
	if err := e.load.wait(30 * time.Second); err != nil {
		return 0, err
	}
	e.updates.Store(0)
	begin := time.Now()
	e.start()
	if err := e.waitFirst(ctx, time.Minute); err != nil {
		return 0, err
	}
	return time.Since(begin), nil
}

// writeHeapProfile writes --memprofile once, then forgets the file name.
func (r *benchRun) writeHeapProfile() error {
	if r.opts.MemProfile == "" {
		return nil
	}
	f, err := os.Create(r.opts.MemProfile)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	defer f.Close()
	r.opts.MemProfile = ""
	return pprof.WriteHeapProfile(f)
}

// startHeapSampler samples HeapInuse every 100ms until the returned
// function is called, which returns the peak in MiB.
func startHeapSampler() func() float64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-tick.C:
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() float64 {
		once.Do(func() { close(done); wg.Wait() })
		return float64(peak.Load()) / (1 << 20)
	}
}

// resetPeakRSS resets the kernel's peak RSS (VmHWM) of this process to its
// current RSS, so each memory phase reports its own peak (Linux >= 4.0).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// procStatus returns a "kB" field of /proc/self/status in MiB, 0 if unknown.
func procStatus(field string) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
