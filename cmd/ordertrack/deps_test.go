package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// testServers are packages only tests and the bench may link: servers that
// are not part of the product.
var testServers = []string{
	"github.com/twmb/franz-go/pkg/kfake",
	"github.com/nats-io/nats-server/v2/test",
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest",
}

// TestBinaryLeavesOutTestServers: ordertrack as released links none of
// testServers; built with -tags benchkafka (scripts/bench.sh) it links
// kfake, the in-process Kafka cluster of the bench's kafka phase.
func TestBinaryLeavesOutTestServers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go list twice (a few seconds)")
	}
	deps := func(args ...string) []string {
		t.Helper()
		out, err := exec.Command("go", append(append([]string{"list", "-deps"}, args...), ".")...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.Fields(string(out))
	}
	released := deps()
	for _, p := range testServers {
		if slices.Contains(released, p) {
			t.Errorf("the ordertrack binary links %s (a test server)", p)
		}
	}
	if !slices.Contains(deps("-tags", "benchkafka"), testServers[0]) {
		t.Errorf("built with -tags benchkafka the binary does not link %s: the bench's kafka phase has no cluster", testServers[0])
	}
}
