package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the file in nats.embedded.store_dir that an embedded server
// holds an exclusive lock on while it runs; it contains the holder's PID.
const LockFile = "ordertrack.lock"

// ErrStoreLocked means another process holds the store directory's lock.
var ErrStoreLocked = errors.New("store directory in use")

// storeLock is a held exclusive lock on a store directory. The kernel
// releases it when the process ends, however it ends.
type storeLock struct {
	f *os.File
}

// lockStore takes the exclusive lock on dir without waiting: two servers
// on one store corrupt it, so a second one must not start at all.
func lockStore(dir string) (*storeLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("nats.embedded.store_dir %s: lock: %w", dir, err)
	}
	if err := tryLock(f); err != nil {
		holder := readPID(f)
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("%w: nats.embedded.store_dir %s is used by another running ordertrack (pid %s, lock %s): stop that one, or give this one another nats.embedded.store_dir",
				ErrStoreLocked, dir, holder, path)
		}
		return nil, fmt.Errorf("nats.embedded.store_dir %s: lock %s: %w", dir, path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &storeLock{f: f}, nil
}

// readPID returns the PID the holder wrote, or "unknown".
func readPID(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if pid := strings.TrimSpace(string(b[:n])); pid != "" {
		return pid
	}
	return "unknown"
}

// release drops the lock. Safe on nil and twice.
func (l *storeLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = unlock(l.f)
	l.f.Close()
	l.f = nil
}
