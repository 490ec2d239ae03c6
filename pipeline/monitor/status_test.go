package monitor_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestStatusRatesOverFiveSamples: sampling every 100 ms, /api/status's
// rates cover the last five intervals (0.5 s, up to one interval more), not
// the last interval alone, whose counts swing with every burst and batch;
// /api/rates says both.
func TestStatusRatesOverFiveSamples(t *testing.T) {
	t.Parallel()
	e := setup(t, withMonitor(func(o *monitor.Options) { o.StatusEvery, o.NoReadModel = 100*time.Millisecond, true }))
	var rates monitor.RateHistory
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		rates = monitor.RateHistory{}
		if code := pipelinetest.GetJSON(t, e.base+"/api/rates", "", &rates); code != http.StatusOK || len(rates.Points) < 8 {
			return fmt.Errorf("/api/rates: %d, %d points, want 8 or more", code, len(rates.Points))
		}
		return nil
	})
	if rates.IntervalSeconds != 0.1 || rates.WindowSeconds != 0.5 {
		t.Errorf("/api/rates: interval %vs, window %vs; want 0.1 and 0.5", rates.IntervalSeconds, rates.WindowSeconds)
	}
	var st monitor.Status
	if code := pipelinetest.GetJSON(t, e.base+"/api/status", "", &st); code != http.StatusOK {
		t.Fatalf("/api/status: %d", code)
	}
	if st.Interval < 0.5 || st.Interval >= 5 {
		t.Errorf("/api/status rates over %.3fs, want the last 0.5 s of samples or a little more", st.Interval)
	}
}
