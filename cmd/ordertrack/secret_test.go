package main

import (
	"net"
	"strings"
	"testing"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

const testPassword = "s3cretP4ss"

// noSecret fails the test if out (one command's output) shows a password.
func noSecret(t *testing.T, what, out string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, testPassword) {
		if strings.Contains(out, s) {
			t.Errorf("%s shows the password %q:\n%s", what, s, out)
		}
	}
}

// TestNoSecretInAnyOutput points every command that shows or logs a URL at
// a server that needs a password given in nats.url: the banner, the debug
// log, the connect error, health and status all show user:xxxxx@ and never
// the password. The run also logs which server it reached.
func TestNoSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	srv := pipelinetest.RunJetStream(t, pipelinetest.Auth("u", testPassword))
	addr := srv.Server.Addr().(*net.TCPAddr).String()
	url := "nats://u:" + testPassword + "@" + addr
	common := []string{"--streaming.partitions", "4", "--sla.processing", "1s", "--sla.shipping", "1h", "--sla.delivery", "1h"}

	s := startMain(t, append([]string{"run", "--nats.url", url, "--generator.enabled", "false", "--output.console", "false",
		"--monitor.listen", "127.0.0.1:0", "--log.level", "debug"}, common...)...)
	waitOutput(t, s.out, pipelinetest.WaitTimeout(), "Press Ctrl+C")
	if !strings.Contains(s.out.String(), "NATS: nats://u:xxxxx@"+addr) {
		t.Errorf("banner does not show the redacted URL:\n%s", s.out.String())
	}
	if log := s.errs.String(); !strings.Contains(log, `msg="connected to NATS"`) || !strings.Contains(log, "server="+srv.Server.Name()) {
		t.Errorf("no connected line naming the server %s:\n%s", srv.Server.Name(), log)
	}

	for _, c := range []struct {
		what     string
		args     []string
		wantCode int
	}{
		{"health", []string{"health", "--nats.url", url}, 0},
		{"status", []string{"status", "--nats.url", url, "--interval", "100ms", "--log.level", "debug"}, 0},
		{"health with a wrong password", []string{"health", "--nats.url", "nats://u:wr0ngS3cret@" + addr}, 1},
		{"run with a wrong password", []string{"run", "--nats.url", "nats://u:wr0ngS3cret@" + addr, "--log.level", "debug"}, 1},
		{"status with an unparsable URL", []string{"status", "--nats.url", url + ":port", "--log.level", "debug"}, 1},
		{"get with a password list", []string{"get", "NOPE", "--nats.url", url + ",nats://v:An0therS3cret@127.0.0.1:1", "--log.level", "debug"}, -1},
	} {
		code, out, errs := runCommand(t, append(c.args, common...)...)
		if c.wantCode >= 0 && (code == 0) != (c.wantCode == 0) {
			t.Errorf("%s: exit %d, want %d:\n%s%s", c.what, code, c.wantCode, out, errs)
		}
		noSecret(t, c.what, out+errs, "wr0ngS3cret", "An0therS3cret")
		if c.wantCode > 0 && !strings.Contains(out+errs, "u:xxxxx@") {
			t.Errorf("%s: the failure does not name the redacted URL:\n%s%s", c.what, out, errs)
		}
	}
	// A bad URL list fails validation naming the entry, not its secret.
	code, out, errs := runCommand(t, "status", "--nats.url", url+", nats://v w@h:1")
	if code == 0 || !strings.Contains(errs, "nats.url") {
		t.Errorf("spaced URL list: exit %d, stderr %q", code, errs)
	}
	noSecret(t, "config error", out+errs)
	if code := s.stop(t); code != 0 {
		t.Errorf("run exit %d", code)
	}
	noSecret(t, "run (stdout and debug log)", s.out.String()+s.errs.String())
}
