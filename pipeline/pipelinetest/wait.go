package pipelinetest

import (
	"testing"
	"time"
)

// WaitFor polls cond until it returns nil, failing the test after within
// with the last error cond returned: say there what is still missing
// ("3 of 4 outputs", "p2: 5 pending"), as nats.go's checkFor does.
func WaitFor(t testing.TB, within time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s: %v", within, err)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not a wait for an effect
	}
}
