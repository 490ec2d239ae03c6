package contract

import (
	"context"
	"time"
)

// SleepUntil waits until t and reports whether ctx is still live: the one
// wait-for-an-instant of the pipeline, its bench, feed and health checks.
func SleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
