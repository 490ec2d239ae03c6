package pipelinetest

import (
	"os"
	"time"
)

// WaitTimeout is how long a test waits for something that should happen
// (an output, a delivery, a log line, an exit) before it fails: 15 s on a
// developer's machine, three times that under CI (CI set) or the race
// detector, where the same work runs several times slower. It bounds a
// wait, not a guarantee: a test that asserts a bound ("within 3 s") keeps
// its own value. As river's riversharedtest.WaitTimeout.
func WaitTimeout() time.Duration {
	if raceEnabled || os.Getenv("CI") != "" {
		return 45 * time.Second
	}
	return 15 * time.Second
}
