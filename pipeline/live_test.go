package pipeline_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

type notifyUpdates []config.Notify

func (n *notifyUpdates) Update(c config.Notify) { *n = append(*n, c) }

// TestLiveApply puts a reloaded configuration in force: the rules, the
// log level and the webhooks change, and the console takes updates only
// while output.console is on in the configuration in force.
func TestLiveApply(t *testing.T) {
	cfg := config.Default()
	var out bytes.Buffer
	console := pipeline.NewConsole(&out, 5)
	var level slog.LevelVar
	var nt notifyUpdates
	live := pipeline.NewLive(cfg, console, &level, &nt)
	if got := live.Rules().Processing; got != cfg.SLA.Processing {
		t.Fatalf("processing %v at start, want %v", got, cfg.SLA.Processing)
	}

	next := cfg
	next.SLA.Processing = 7 * time.Second
	next.Log.Level = "debug"
	next.Output.Console = false
	next.Notify.Webhooks = []config.Webhook{{Name: "ops"}}
	live.Config.Set(next, time.Now()) // as config.Reloader does before Apply
	live.Apply(next)
	if got := live.Rules().Processing; got != 7*time.Second {
		t.Errorf("processing %v after the reload, want 7s", got)
	}
	if level.Level() != slog.LevelDebug {
		t.Errorf("log level %v, want debug", level.Level())
	}
	if len(nt) != 1 || len(nt[0].Webhooks) != 1 || nt[0].Webhooks[0].Name != "ops" {
		t.Errorf("notifier updates %+v, want one with webhook ops", nt)
	}
	u := order.Update{OrderID: "LIVE-A", Type: order.UpdateBreach, Status: order.StageOrder, SLA: order.SLAProcessing}
	live.OnUpdates([]order.Update{u})
	if console.Flush() {
		t.Errorf("console printed with output.console off: %q", out.String())
	}
	next.Output.Console = true
	live.Config.Set(next, time.Now())
	live.OnUpdates([]order.Update{u})
	if !console.Flush() || !strings.Contains(out.String(), "LIVE-A") {
		t.Errorf("console output %q, want LIVE-A with output.console on", out.String())
	}
}
