package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestPortClashReportedAtOnce: a taken nats.embedded.listen or
// monitor.listen fails run within 3s (not after nats-server's 15s wait) with an
// error naming the key and the address; a monitor clash is found before
// the embedded server touches its store.
func TestPortClashReportedAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, key string
		args      func(addr string) []string
	}{
		{"embedded", "nats.embedded.listen", func(addr string) []string {
			return []string{"--nats.embedded.listen", addr, "--monitor.listen", ""}
		}},
		{"monitor", "monitor.listen", func(addr string) []string {
			return []string{"--nats.embedded.listen", "127.0.0.1:0", "--monitor.listen", addr}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, store := pipelinetest.Occupy(t), t.TempDir()
			args := append([]string{"run", "--nats.embedded.store_dir", store, "--generator.enabled", "false",
				"--output.console", "false"}, tc.args(addr)...)
			errs := &pipelinetest.Buffer{}
			m := &Main{Stdin: strings.NewReader(""), Stdout: &pipelinetest.Buffer{}, Stderr: errs}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan int, 1)
			go func() { done <- m.Run(ctx, args) }()
			select {
			case code := <-done:
				if code != exitError {
					t.Errorf("exit %d, want %d", code, exitError)
				}
			case <-time.After(3 * time.Second):
				cancel()
				<-done
				t.Fatalf("the port clash on %s was not reported within 3s; stderr:\n%s", addr, errs.String())
			}
			if want := tc.key + " " + addr; !strings.Contains(errs.String(), want) {
				t.Errorf("stderr does not name %q:\n%s", want, errs.String())
			}
			if tc.name == "monitor" {
				if entries, _ := os.ReadDir(store); len(entries) > 0 {
					t.Errorf("the store holds %v: the embedded server started before the monitor's port was checked", entries[0].Name())
				}
			}
		})
	}
}
