package monitor

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/httpserver"
)

// sseHeartbeat is how often an idle event stream gets a comment line, so
// proxies and browsers keep the connection open.
const sseHeartbeat = 15 * time.Second

// DefaultMaxStreams is Options.MaxStreams' default (monitor.max_streams).
const DefaultMaxStreams = 100

// events serves /api/events: Server-Sent Events of the alerts and warnings
// (SLA_BREACH, SLA_BREACH_RETRACTED, SLA_AT_RISK). Each event's id is its
// ORDER_UPDATES sequence and its data the output JSON as stored. A client
// that reconnects with Last-Event-ID (or ?after=N) gets what it missed from
// the last feedRing events, then the live ones. At most MaxStreams clients
// are served at once (503 beyond); each write must finish within the
// write timeout, or the stream ends.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	select {
	case s.streams <- struct{}{}:
		defer func() { <-s.streams }()
	default:
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("this monitor serves at most %d event streams at once (monitor.max_streams)", cap(s.streams)))
		return
	}
	after, _ := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64)
	if q := r.URL.Query().Get("after"); q != "" {
		after, _ = strconv.ParseUint(q, 10, 64)
	}
	backlog, ch, cancel := s.feed.subscribe(after)
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	st := httpserver.NewStream(w, s.limits.WriteTimeout)
	first := []byte("retry: 1000\n\n")
	for _, e := range backlog {
		first = appendEvent(first, e)
	}
	if st.Write(first) != nil {
		return
	}
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		var err error
		select {
		case e, ok := <-ch:
			if !ok {
				return // fell behind: the client reconnects and resumes
			}
			err = st.Write(appendEvent(nil, e))
		case <-beat.C:
			err = st.Write([]byte(": keep-alive\n\n"))
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		}
		if err != nil {
			return // gone, or too slow to take one write in time
		}
	}
}

// appendEvent appends one SSE event; output JSON has no raw newline.
func appendEvent(b []byte, e FeedEvent) []byte {
	return fmt.Appendf(b, "id: %d\ndata: %s\n\n", e.Seq, e.Data)
}
