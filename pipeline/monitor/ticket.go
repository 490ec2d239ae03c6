package monitor

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// Event-stream tickets: what a page presents on /api/events instead of the
// token, which never goes into a URL (proxies and browser histories keep
// URLs). A ticket is random, good for ticketTTL and for one connection.
const (
	ticketTTL = 30 * time.Second
	// ticketsMax bounds the tickets outstanding at once; past it the
	// oldest are forgotten first. Only a client with the token gets one.
	ticketsMax = 1000
)

// tickets holds the unredeemed tickets and when each expires.
type tickets struct {
	mu      sync.Mutex
	expires map[string]time.Time
}

// issue returns a new ticket valid until now+ticketTTL.
func (t *tickets) issue(now time.Time) (string, time.Time) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	id := base64.RawURLEncoding.EncodeToString(b)
	until := now.Add(ticketTTL)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.expires == nil {
		t.expires = map[string]time.Time{}
	}
	t.prune(now)
	t.expires[id] = until
	return id, until
}

// prune drops expired tickets and, past ticketsMax, those expiring first.
func (t *tickets) prune(now time.Time) {
	for id, until := range t.expires {
		if !now.Before(until) {
			delete(t.expires, id)
		}
	}
	for len(t.expires) >= ticketsMax {
		var first string
		for id, until := range t.expires {
			if first == "" || until.Before(t.expires[first]) {
				first = id
			}
		}
		delete(t.expires, first)
	}
}

// redeem reports whether id is an unexpired ticket, and spends it.
func (t *tickets) redeem(id string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	until, ok := t.expires[id]
	delete(t.expires, id)
	return ok && now.Before(until)
}

// TicketView is the answer of POST /api/events/ticket.
type TicketView struct {
	// Ticket goes in /api/events?access_token=...; it opens one stream.
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiTicket serves POST /api/events/ticket: with the token (checked by
// authorize), a ticket for one event stream.
func (s *Server) apiTicket(w http.ResponseWriter, _ *http.Request) {
	id, until := s.tickets.issue(s.now())
	writeJSON(w, TicketView{Ticket: id, ExpiresAt: until})
}
