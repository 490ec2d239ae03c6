package monitor

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// tokenParam is the query parameter that may carry the token on
// /api/events only: a browser's EventSource cannot send headers.
const tokenParam = "access_token"

// authorize wraps h so that, with a token set, every path but /healthz and
// /readyz needs "Authorization: Bearer <token>" (or ?access_token= on
// /api/events). The page itself answers 401 with its shell, which holds
// no data and asks for the token.
func (s *Server) authorize(h http.Handler) http.Handler {
	if s.opts.AuthToken == "" {
		return h
	}
	want := []byte(s.opts.AuthToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || s.tokenOK(r, want) {
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

func (s *Server) tokenOK(r *http.Request, want []byte) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok && r.URL.Path == "/api/events" {
		got, ok = r.URL.Query().Get(tokenParam), true
	}
	return ok && subtle.ConstantTimeCompare([]byte(got), want) == 1
}
