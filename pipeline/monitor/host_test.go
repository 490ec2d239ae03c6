package monitor

import "testing"

// TestHostAllowed pins which Host headers a monitor without a token
// answers: localhost, loopback addresses and its own listen host; on a
// wildcard listen address any IP address (a DNS rebinding attack always
// carries a name), never another name.
func TestHostAllowed(t *testing.T) {
	own := map[string]bool{"localhost": true, "monitor.lan": true}
	for _, tt := range []struct {
		host     string
		wildcard bool
		want     bool
	}{
		{"localhost", false, true},
		{"localhost:9090", false, true},
		{"LocalHost:9090", false, true},
		{"127.0.0.1:9090", false, true},
		{"127.255.0.1", false, true},
		{"[::1]:9090", false, true},
		{"[::1]", false, true},
		{"monitor.lan:9090", false, true},
		{"10.0.0.5:9090", false, false},
		{"10.0.0.5:9090", true, true},
		{"[fd00::5]:9090", true, true},
		{"attacker.example:9090", false, false},
		{"attacker.example:9090", true, false},
		{"localhost.attacker.example", true, false},
		{"", false, false},
	} {
		if got := hostAllowed(tt.host, own, tt.wildcard); got != tt.want {
			t.Errorf("hostAllowed(%q, wildcard %v) = %v, want %v", tt.host, tt.wildcard, got, tt.want)
		}
	}
}
