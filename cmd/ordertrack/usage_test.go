package main

import (
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// TestUsageErrorIsShort: a wrong command line exits 2 with the error, the
// nearest flag or command and the command's usage line, not its help.
func TestUsageErrorIsShort(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string // on stderr, in this order
	}{
		{[]string{"run", "--sla.procesing", "5s"}, []string{"ordertrack run: unknown flag: --sla.procesing; did you mean --sla.processing?", "Usage: ordertrack run [flags]"}},
		{[]string{"run", "--processing", "5s"}, []string{"did you mean --sla.processing?"}},
		{[]string{"status", "-json"}, []string{"ordertrack status: unknown shorthand flag", "did you mean --json?", "Usage: ordertrack status "}},
		{[]string{"get", "C", "--histroy"}, []string{"did you mean --history?", "Usage: ordertrack get <order_id>"}},
		{[]string{"get"}, []string{"ordertrack get: needs an order id", "Usage: ordertrack get <order_id>"}},
		{[]string{"get", "a b"}, []string{`"a b" is not an order id`}},
		{[]string{"watch", "extra"}, []string{"ordertrack watch: takes no arguments", "Usage: ordertrack watch"}},
		{[]string{"watch", "--order", "a/b"}, []string{`--order "a/b" is not a valid order id`}},
		{[]string{"stauts"}, []string{`ordertrack: unknown command "stauts"; did you mean status?`, "Usage: ordertrack <command>"}},
		{[]string{"dlq", "lst"}, []string{`ordertrack dlq: unknown command "lst"; did you mean list?`}},
		{[]string{"dlq"}, []string{"ordertrack dlq: needs a subcommand: list or replay"}},
		{[]string{"status", "--interval"}, []string{"flag needs an argument: --interval"}},
	} {
		code, out, errs := runCommand(t, tc.args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d", tc.args, code, exitUsage)
		}
		if out != "" {
			t.Errorf("%q: wrote to stdout: %q", tc.args, out)
		}
		rest := errs
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%q: stderr lacks %q (in order):\n%s", tc.args, w, errs)
				break
			}
			rest = rest[i+len(w):]
		}
		if n := strings.Count(errs, "\n"); n > 3 || strings.Contains(errs, "--nats.url") {
			t.Errorf("%q: %d lines, want the error and the usage line only:\n%s", tc.args, n, errs)
		}
	}
}

// TestHelpIsPerCommand: every command's --help is its own, on stdout, exit 0.
func TestHelpIsPerCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"Usage: ordertrack <command>", "Commands:", "completion", "version", "dlq"}},
		{[]string{"help", "get"}, []string{"Usage: ordertrack get <order_id>", "--history"}},
		{[]string{"run", "--help"}, []string{"Usage: ordertrack run", "--sla.processing duration", "(default 24h)", "--output.console true|false"}},
		{[]string{"publish", "-h"}, []string{"Usage: ordertrack publish", "--file string"}},
		{[]string{"generate", "--help"}, []string{"Usage: ordertrack generate", "--dry-run", "--seed"}},
		{[]string{"bench", "--help"}, []string{"Usage: ordertrack bench", "--phases"}},
		{[]string{"health", "--help"}, []string{"Usage: ordertrack health", "--health-check"}},
		{[]string{"status", "--help"}, []string{"Usage: ordertrack status", "--interval duration"}},
		{[]string{"get", "--help"}, []string{"Usage: ordertrack get <order_id>", "--history"}},
		{[]string{"watch", "--help"}, []string{"Usage: ordertrack watch", "--alerts"}},
		{[]string{"dlq", "--help"}, []string{"Usage: ordertrack dlq <list|replay>", "list ", "replay ", "max_deliveries"}},
		{[]string{"dlq", "list", "--help"}, []string{"Usage: ordertrack dlq list", "--limit"}},
		{[]string{"dlq", "replay", "--help"}, []string{"Usage: ordertrack dlq replay", "--dry-run"}},
		{[]string{"version", "--help"}, []string{"Usage: ordertrack version"}},
	} {
		code, out, errs := runCommand(t, tc.args...)
		if code != exitOK || errs != "" {
			t.Errorf("%q: exit %d, stderr %q", tc.args, code, errs)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%q: help lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

// TestNoCommand: ordertrack alone lists the commands on stderr and exits 2.
func TestNoCommand(t *testing.T) {
	code, out, errs := runCommand(t)
	if code != exitUsage || out != "" || !strings.Contains(errs, "Commands:") || !strings.Contains(errs, "ordertrack: needs a command") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, out, errs)
	}
}

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_ordertrack", "zsh": "#compdef ordertrack", "fish": "complete -c ordertrack"} {
		code, out, errs := runCommand(t, "completion", shell)
		if code != exitOK || errs != "" || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, stderr %q, script lacks %q", shell, code, errs, want)
		}
	}
	// The completion of a command's flags comes from the same tree.
	code, out, _ := runCommand(t, "__complete", "get", "--hist")
	if code != exitOK || !strings.Contains(out, "--history") {
		t.Errorf("__complete get --hist: exit %d, got %q", code, out)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := runCommand(t, args...)
		if code != exitOK {
			t.Errorf("%q: exit %d", args, code)
		}
		for _, w := range []string{"ordertrack ", "commit:", "go:          go1.", "nats-server: v" + server.VERSION} {
			if !strings.Contains(out, w) {
				t.Errorf("%q: lacks %q:\n%s", args, w, out)
			}
		}
	}
	// As set with go build -ldflags "-X main.version=... -X main.commit=...".
	version, commit = "v1.2.3", "abc1234"
	t.Cleanup(func() { version, commit = "", "" })
	_, out, _ := runCommand(t, "version")
	if !strings.HasPrefix(out, "ordertrack v1.2.3\ncommit:      abc1234\n") {
		t.Errorf("with ldflags: %q", out)
	}
}
