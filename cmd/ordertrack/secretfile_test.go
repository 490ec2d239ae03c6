package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestSecretFilesOutOfProcessListing runs the real binary as the README
// documents for secrets: --monitor.auth_token_file and --nats.token_file.
// Neither secret is in /proc/<pid>/cmdline (the file paths are: the test
// reads the right process), the monitor requires the token from the file,
// the embedded server the NATS token (a command reaches it with the same
// _file key), and no output shows either secret.
func TestSecretFilesOutOfProcessListing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const monitorToken, natsToken = "M0nitorFromFil3", "NatsFromFil3"
	dir := t.TempDir()
	monitorFile, natsFile := filepath.Join(dir, "monitor-token"), filepath.Join(dir, "nats-token")
	for path, secret := range map[string]string{monitorFile: monitorToken, natsFile: natsToken} {
		if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r := newCrashRig(t)
	r.start("--monitor.listen", "127.0.0.1:0", "--monitor.auth_token_file", monitorFile, "--nats.token_file", natsFile, "--log.level", "debug")

	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", r.proc.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	args := string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
	if !strings.Contains(args, monitorFile) || !strings.Contains(args, natsFile) {
		t.Fatalf("cmdline %q lacks the _file flags: not the process started", args)
	}
	noSecret(t, "/proc/<pid>/cmdline", args, monitorToken, natsToken)

	url := "http://" + monitorAddr(t, r.proc.out) + "/api/status"
	if code := pipelinetest.GetJSON(t, url, "", nil); code != 401 {
		t.Errorf("GET /api/status without the token: %d, want 401", code)
	}
	if code := pipelinetest.GetJSON(t, url, "wrong", nil); code != 401 {
		t.Errorf("GET /api/status with a wrong token: %d, want 401", code)
	}
	var status map[string]any
	if code := pipelinetest.GetJSON(t, url, monitorToken, &status); code != 200 {
		t.Errorf("GET /api/status with the token from the file: %d, want 200", code)
	}

	reach := []string{"--nats.embedded.listen", r.addr, "--streaming.partitions", "4"}
	code, out, errs := runCommand(t, append([]string{"status", "--interval", "100ms", "--nats.token_file", natsFile}, reach...)...)
	if code != exitOK {
		t.Errorf("status with --nats.token_file: exit %d:\n%s%s", code, out, errs)
	}
	noSecret(t, "status", out+errs, monitorToken, natsToken)
	if code, _, errs := runCommand(t, append([]string{"status"}, reach...)...); code == exitOK {
		t.Errorf("status without the NATS token reached the embedded server: %s", errs)
	}
	noSecret(t, "run's output and debug log", r.proc.out.String(), monitorToken, natsToken)
}
