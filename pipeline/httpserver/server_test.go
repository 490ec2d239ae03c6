package httpserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/httpserver"
)

// TestNewBounds: New sets every bound, defaults for zero fields, and no
// server-wide WriteTimeout (a stream would end at it).
func TestNewBounds(t *testing.T) {
	for _, tt := range []struct {
		name               string
		in                 httpserver.Limits
		header, read, idle time.Duration
		maxHeader          int
	}{
		{"defaults", httpserver.Limits{}, 10 * time.Second, 30 * time.Second, 60 * time.Second, 16 << 10},
		{"set", httpserver.Limits{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, IdleTimeout: 3 * time.Second, MaxHeaderBytes: 4096},
			time.Second, 2 * time.Second, 3 * time.Second, 4096},
	} {
		s := httpserver.New(http.NotFoundHandler(), tt.in)
		if s.ReadHeaderTimeout != tt.header || s.ReadTimeout != tt.read || s.IdleTimeout != tt.idle || s.MaxHeaderBytes != tt.maxHeader || s.WriteTimeout != 0 {
			t.Errorf("%s: header %s read %s idle %s max header %d write %s, want %s %s %s %d and no WriteTimeout", tt.name,
				s.ReadHeaderTimeout, s.ReadTimeout, s.IdleTimeout, s.MaxHeaderBytes, s.WriteTimeout, tt.header, tt.read, tt.idle, tt.maxHeader)
		}
	}
}
