package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// waitPublished waits until every async publish is acknowledged.
func waitPublished(js jetstream.JetStream, within time.Duration) error {
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-time.After(within):
		return fmt.Errorf("%d events still unacknowledged after %s", js.PublishAsyncPending(), within)
	}
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}
