package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestSecondRunOnOneStoreFails: a second `run` on the store of a running
// one, with another listen address, exits at once naming the directory
// and the running one's PID; the first keeps running.
func TestSecondRunOnOneStoreFails(t *testing.T) {
	t.Parallel()
	store := t.TempDir()
	s := startMain(t, append(runArgs(store), "--generator.enabled", "false", "--output.console", "false")...)
	began := time.Now()
	code, out, errs := runCommand(t, append(runArgs(store), "--nats.embedded.listen", pipelinetest.UnusedAddr(t))...)
	took := time.Since(began)
	abs, _ := filepath.Abs(store)
	if code == 0 || !strings.Contains(errs, abs) || !strings.Contains(errs, "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("second run: exit %d, stderr %q: want a failure naming %s and pid %d\n%s", code, errs, abs, os.Getpid(), out)
	}
	if took > 3*time.Second {
		t.Errorf("second run failed after %v, want at once", took)
	}
	if strings.Contains(out, "Press Ctrl+C") {
		t.Errorf("second run started:\n%s", out)
	}
	countUpdates(t, s.info.NATSURL) // the first still serves
	if code := s.stop(t); code != 0 {
		t.Errorf("first run exit %d after the refused second", code)
	}
}
