package monitor

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// sseHeartbeat is how often an idle event stream gets a comment line, so
// proxies and browsers keep the connection open.
const sseHeartbeat = 15 * time.Second

// events serves /api/events: Server-Sent Events of the alerts and warnings
// (SLA_BREACH, SLA_BREACH_RETRACTED, SLA_AT_RISK). Each event's id is its
// ORDER_UPDATES sequence and its data the output JSON as stored. A client
// that reconnects with Last-Event-ID (or ?after=N) gets what it missed from
// the last feedRing events, then the live ones.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
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
	fmt.Fprint(w, "retry: 1000\n\n")
	for _, e := range backlog {
		writeEvent(w, e)
	}
	flusher.Flush()
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return // fell behind: the client reconnects and resumes
			}
			writeEvent(w, e)
			flusher.Flush()
		case <-beat.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			flusher.Flush()
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// writeEvent writes one SSE event; output JSON has no raw newline.
func writeEvent(w http.ResponseWriter, e FeedEvent) {
	fmt.Fprintf(w, "id: %d\ndata: %s\n\n", e.Seq, e.Data)
}
