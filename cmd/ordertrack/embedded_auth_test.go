package main

import (
	"net"
	"strings"
	"testing"
)

const testEmbeddedToken = "Emb3ddedT0ken"

// TestRunEmbeddedOffLoopback: run refuses an embedded server on every
// interface without credentials, naming the key and what to set; with
// nats.token it starts, the CLI commands reach it with the same key and
// are refused without it, and no output shows the token.
func TestRunEmbeddedOffLoopback(t *testing.T) {
	t.Parallel()
	common := []string{"--nats.embedded.store_dir", t.TempDir(), "--generator.enabled", "false", "--output.console", "false",
		"--monitor.listen", "", "--streaming.partitions", "2"}

	code, out, errs := runCommand(t, append([]string{"run", "--nats.embedded.listen", "0.0.0.0:0"}, common...)...)
	want := `config key "nats.embedded.listen": "0.0.0.0:0" is reachable from other machines and the embedded server would let any client in: set nats.token (or nats.user and nats.password)`
	if code != exitError || !strings.Contains(errs, want) {
		t.Fatalf("run on 0.0.0.0 without credentials: exit %d, stderr %q; want 1 and %q", code, errs, want)
	}
	if strings.Contains(out, "Press Ctrl+C") {
		t.Errorf("the pipeline started:\n%s", out)
	}

	s := startMain(t, append([]string{"run", "--nats.embedded.listen", "0.0.0.0:0", "--nats.token", testEmbeddedToken,
		"--log.level", "debug"}, common...)...)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(s.info.NATSURL, "nats://"))
	if err != nil {
		t.Fatalf("embedded URL %q: %v", s.info.NATSURL, err)
	}
	reach := []string{"--nats.embedded.listen", "127.0.0.1:" + port, "--streaming.partitions", "2"}
	code, out, errs = runCommand(t, append([]string{"status", "--interval", "100ms", "--nats.token", testEmbeddedToken}, reach...)...)
	if code != exitOK {
		t.Errorf("status with the token: exit %d:\n%s%s", code, out, errs)
	}
	noSecret(t, "status with the token", out+errs, testEmbeddedToken)
	code, out, errs = runCommand(t, append([]string{"status"}, reach...)...)
	if code == exitOK || !strings.Contains(strings.ToLower(errs), "authorization violation") {
		t.Errorf("status without the token: exit %d, stderr %q; want a failure saying authorization violation", code, errs)
	}
	if code := s.stop(t); code != exitOK {
		t.Errorf("run exit %d", code)
	}
	noSecret(t, "run (stdout and debug log)", s.out.String()+s.errs.String(), testEmbeddedToken)
	if !strings.Contains(s.errs.String(), "auth=token") {
		t.Errorf("the start log does not say the embedded server requires a token:\n%s", s.errs.String())
	}
}
