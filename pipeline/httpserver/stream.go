package httpserver

import (
	"net/http"
	"time"
)

// Stream is a long response (Server-Sent Events): each write must finish
// within its own deadline, where a plain response has one deadline for
// all (Limits.WriteTimeout from the request's start).
type Stream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

// NewStream prepares w for a stream whose writes each have d to finish
// (d <= 0: DefaultWriteTimeout). (The read deadline needs nothing: net/http
// lifts it once a request without a body is read.)
func NewStream(w http.ResponseWriter, d time.Duration) *Stream {
	if d <= 0 {
		d = DefaultWriteTimeout
	}
	return &Stream{w: w, rc: http.NewResponseController(w), d: d}
}

// Write writes p and flushes it, within the stream's per-write deadline.
// An error means the client is gone or too slow: end the stream.
func (s *Stream) Write(p []byte) error {
	if err := s.rc.SetWriteDeadline(time.Now().Add(s.d)); err != nil {
		return err
	}
	if _, err := s.w.Write(p); err != nil {
		return err
	}
	return s.rc.Flush()
}
