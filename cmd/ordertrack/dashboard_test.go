package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// TestCLIAndAPIShowTheSameViews runs status --json and get --history --json
// beside /api/status and /api/orders/<id> of the running pipeline: one
// function computes each, so every count and the order's story agree.
func TestCLIAndAPIShowTheSameViews(t *testing.T) {
	t.Parallel()
	tr := startTracked(t)
	tr.sendKnown(t)
	var cli, api monitor.Status
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		code, out, errs := tr.cmd(t, "status", "--json", "--interval", "100ms")
		if code != 0 {
			t.Fatalf("status --json: exit %d: %s", code, errs)
		}
		cli, api = monitor.Status{}, monitor.Status{}
		if err := json.Unmarshal([]byte(out), &cli); err != nil {
			t.Fatalf("status --json: %v\n%s", err, out)
		}
		if code := pipelinetest.GetJSON(t, tr.monitor+"/api/status", "", &api); code != http.StatusOK {
			return fmt.Errorf("/api/status: %d", code)
		}
		// The periodic scan and the timer tombstones settle within seconds.
		if !reflect.DeepEqual(cli.Orders, api.Orders) || !reflect.DeepEqual(cli.Timers, api.Timers) || cli.Processed != 12 || api.Processed != 12 {
			return fmt.Errorf("not settled: CLI orders %v timers %v processed %d; API orders %v timers %v processed %d",
				cli.Orders, cli.Timers, cli.Processed, api.Orders, api.Timers, api.Processed)
		}
		return nil
	})
	for _, c := range []struct {
		what     string
		cli, api any
	}{
		{"events_stored", cli.Stored, api.Stored},
		{"breaches_by_sla", cli.Breaches, api.Breaches},
		{"dead_letters_by_reason", cli.DeadLetters, api.DeadLetters},
		{"partitions", len(cli.Partitions), len(api.Partitions)},
		{"instances", cli.Instances, api.Instances},
	} {
		if !reflect.DeepEqual(c.cli, c.api) {
			t.Errorf("%s: status --json %v, /api/status %v", c.what, c.cli, c.api)
		}
	}

	code, out, errs := tr.cmd(t, "get", "C", "--history", "--json")
	if code != 0 {
		t.Fatalf("get C --history --json: exit %d: %s", code, errs)
	}
	var got, want monitor.OrderStory
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("get --json: %v\n%s", err, out)
	}
	if code := pipelinetest.GetJSON(t, tr.monitor+"/api/orders/C", "", &want); code != http.StatusOK {
		t.Fatalf("/api/orders/C: %d", code)
	}
	got.At, want.At = time.Time{}, time.Time{} // when each was read
	if !reflect.DeepEqual(got, want) || len(got.History) != 2 {
		t.Errorf("get C --history --json and /api/orders/C differ:\n%+v\n%+v", got, want)
	}
}

// TestRunDashboardNeedsItsToken runs with monitor.auth_token: the APIs
// answer 401 without it and 200 with it, and nothing run prints or logs
// shows it. Without a token a non-loopback monitor.listen fails at start.
func TestRunDashboardNeedsItsToken(t *testing.T) {
	t.Parallel()
	const token = "d4shb0ard-T0ken"
	s := startMain(t, append(runArgs(t.TempDir()), "--generator.enabled", "false", "--output.console", "false",
		"--monitor.listen", "127.0.0.1:0", "--monitor.auth_token", token, "--log.level", "debug")...)
	base := "http://" + monitorAddr(t, s.errs)
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/api/status", "", http.StatusUnauthorized},
		{"/api/status", token, http.StatusOK},
		{"/", "", http.StatusUnauthorized},
		{"/", token, http.StatusOK},
		{"/healthz", "", http.StatusOK},
	} {
		if code := pipelinetest.GetJSON(t, base+c.path, c.token, nil); code != c.want {
			t.Errorf("GET %s (token %v): %d, want %d", c.path, c.token != "", code, c.want)
		}
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("run exit %d", code)
	}
	if out := s.out.String() + s.errs.String(); strings.Contains(out, token) || !strings.Contains(out, "auth=true") {
		t.Errorf("run's output shows the token, or does not say auth is on:\n%s", out)
	}

	code, _, errs := runCommand(t, append(runArgs(t.TempDir()), "--monitor.listen", "0.0.0.0:0")...)
	if code == 0 || !strings.Contains(errs, `config key "monitor.listen": "0.0.0.0:0" is reachable from other machines`) {
		t.Errorf("run on 0.0.0.0 without a token: exit %d, stderr %q", code, errs)
	}
}
