package monitor

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// ticketParam is the query parameter that carries an event-stream ticket
// on /api/events (SPEC's name): a browser's EventSource cannot send
// headers, and the token itself never goes into a URL, so the parameter
// holds a ticket, never the token.
const ticketParam = "access_token"

// open reports whether path is served without the token: the probes, and
// the page's script and style sheet (static, no data; the page's 401 shell
// needs them to ask for the token).
func open(path string) bool {
	switch path {
	case "/healthz", "/readyz", scriptPath, stylePath:
		return true
	}
	return false
}

// authorize wraps h so that, with a token set, every path but the open
// ones needs "Authorization: Bearer <token>" (or, on /api/events only, a
// ticket from POST /api/events/ticket). The page itself answers 401 with
// its shell, which holds no data and asks for the token. Without a token,
// h gets only requests addressed to this machine (checkHost).
func (s *Server) authorize(h http.Handler) http.Handler {
	if s.opts.AuthToken == "" {
		return s.checkHost(h)
	}
	want := []byte(s.opts.AuthToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if open(r.URL.Path) || bearerOK(r, want) || s.ticketOK(r) {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="ordertrack"`)
		if r.URL.Path == "/" {
			s.page(w, http.StatusUnauthorized)
			return
		}
		writeError(w, http.StatusUnauthorized, "this monitor needs Authorization: Bearer <monitor.auth_token>")
	})
}

func bearerOK(r *http.Request, want []byte) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), want) == 1
}

// ticketOK redeems the ticket of a GET /api/events (once).
func (s *Server) ticketOK(r *http.Request) bool {
	if r.Method != http.MethodGet || r.URL.Path != "/api/events" {
		return false
	}
	t := r.URL.Query().Get(ticketParam)
	return t != "" && s.tickets.redeem(t, s.now())
}

// checkHost wraps h so that only requests whose Host is this monitor's own
// address reach it: "localhost", a loopback address, the host of
// monitor.listen or of the bound address, and, on a wildcard listen
// address (0.0.0.0, ::, none), any IP address. A web page that rebinds its
// own DNS name to 127.0.0.1 sends that name as Host and gets 403, so it
// cannot read a monitor that has no token. /healthz and /readyz answer any
// Host: probes (Kubernetes) send the pod's address, and they show no data.
func (s *Server) checkHost(h http.Handler) http.Handler {
	names := map[string]bool{"localhost": true}
	wildcard := false
	for _, addr := range []string{s.opts.Listen, s.Addr()} {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			continue
		}
		if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
			wildcard = true
			continue
		}
		names[strings.ToLower(host)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || hostAllowed(r.Host, names, wildcard) {
			h.ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusForbidden, "this monitor answers requests to localhost, a loopback address or monitor.listen only "+
			"(no monitor.auth_token is set; set one to serve other names)")
	})
}

// hostAllowed reports whether a request's Host header (host or host:port)
// names this monitor.
func hostAllowed(hostport string, names map[string]bool, wildcard bool) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if names[host] {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || wildcard)
}
