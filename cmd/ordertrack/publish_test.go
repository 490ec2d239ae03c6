package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestPublishFeedsRunningPipeline publishes JSON lines with the publish
// command to a running pipeline and sees them processed.
func TestPublishFeedsRunningPipeline(t *testing.T) {
	t.Parallel()
	args := append(runArgs(t.TempDir()), "--generator.enabled", "false")
	s := startMain(t, args...)
	listen := strings.TrimPrefix(s.info.NATSURL, "nats://")
	lines := strings.Join([]string{
		`{"order_id":"PUB-1","event_type":"ORDER_PLACED","item_name":"Socks","event_id":"p1"}`,
		`not json`,
		`{"order_id":"PUB-1","event_type":"PROCESSING_STARTED","event_id":"p2"}`,
		``,
	}, "\n")
	var out, errs bytes.Buffer
	m := &Main{Stdin: strings.NewReader(lines), Stdout: &out, Stderr: &errs}
	code := m.Run(context.Background(), []string{"publish", "--nats.embedded.listen", listen})
	if code == 0 || !strings.Contains(errs.String(), "line 2") {
		t.Errorf("bad line: exit %d, stderr %q; want non-zero naming line 2", code, errs.String())
	}
	if !strings.Contains(out.String(), "published 2 events") {
		t.Errorf("stdout %q", out.String())
	}
	waitOutput(t, s.out, pipelinetest.WaitTimeout(), "PUB-1", "Order placed for Socks", "Processing started for Socks")
	if c := s.stop(t); c != 0 {
		t.Errorf("exit %d", c)
	}
}
