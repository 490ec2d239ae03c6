package pipelinetest

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer that the code under test (its goroutines, a log
// handler, a child process's output) and the test may share: String reads
// what has been written so far.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
