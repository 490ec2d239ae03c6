package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// unitFile holds a systemd unit's settings by section and key; a key set
// several times keeps every value.
type unitFile map[string]map[string][]string

func parseUnit(t *testing.T, text string) unitFile {
	t.Helper()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("ordertrack.service line %d: %q is not key=value in a section", n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

// TestSystemdUnit checks the unit's hardening and restart keys, then runs
// systemd-analyze verify on it where systemd is installed.
func TestSystemdUnit(t *testing.T) {
	text := read(t, "systemd/ordertrack.service")
	u := parseUnit(t, text)
	want := map[string]map[string]string{
		"Unit": {"After": "network-online.target", "Wants": "network-online.target", "StartLimitIntervalSec": "0"},
		"Service": {
			"User": "ordertrack", "Group": "ordertrack", "Restart": "on-failure", "KillSignal": "SIGTERM",
			"ExecStart":       "/usr/local/bin/ordertrack run --config /etc/ordertrack/config.yaml",
			"EnvironmentFile": "/etc/ordertrack/ordertrack.env", "Environment": "ORDERTRACK_INSTANCE__NAME=%H",
			"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
			"PrivateDevices": "yes", "CapabilityBoundingSet": "", "AmbientCapabilities": "",
			"RestrictSUIDSGID": "yes", "MemoryDenyWriteExecute": "yes", "UMask": "0077",
		},
		"Install": {"WantedBy": "multi-user.target"},
	}
	for section, keys := range want {
		for k, v := range keys {
			if got := u[section][k]; len(got) != 1 || got[0] != v {
				t.Errorf("[%s] %s=%q, want %q", section, k, got, v)
			}
		}
	}
	// ReadWritePaths would open holes in ProtectSystem=strict: the state is in NATS.
	if _, ok := u["Service"]["ReadWritePaths"]; ok {
		t.Error("the unit opens ReadWritePaths; ordertrack writes no file")
	}

	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: the unit's keys were checked, systemd-analyze verify skipped")
	}
	// verify insists that ExecStart exists: point it at an executable file.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "ordertrack.service")
	write(t, unit, strings.ReplaceAll(text, "/usr/local/bin/ordertrack", self))
	out, err := exec.Command(tool, "verify", unit).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
