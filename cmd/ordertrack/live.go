package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/notify"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// liveParts are what a reload changes in a running `run` (SPEC section
// 12): the SLAs read by each batch, the console, the log level and the
// webhooks.
type liveParts struct {
	cfg      *config.Live
	rules    atomic.Pointer[order.Rules]
	console  *pipeline.Console
	level    *slog.LevelVar
	notifier *notify.Notifier
}

func newLiveParts(cfg config.Config, console *pipeline.Console, level *slog.LevelVar, n *notify.Notifier) *liveParts {
	lp := &liveParts{cfg: config.NewLive(cfg, time.Now()), console: console, level: level, notifier: n}
	lp.setRules(cfg)
	return lp
}

// Rules returns the SLAs in force (pipeline.Options.LiveRules).
func (lp *liveParts) Rules() order.Rules { return *lp.rules.Load() }

func (lp *liveParts) setRules(c config.Config) {
	r := pipeline.RulesFrom(c)
	lp.rules.Store(&r)
}

// apply puts a reloaded configuration's live keys in force.
func (lp *liveParts) apply(c config.Config) {
	lp.setRules(c)
	lp.console.SetMaxRows(c.Output.MaxRows)
	setLevel(lp.level, c.Log.Level)
	lp.notifier.Update(c.Notify)
}

// onUpdates feeds the console while output.console is on.
func (lp *liveParts) onUpdates(us []order.Update) {
	if lp.cfg.Config().Output.Console {
		lp.console.Add(us...)
	}
}

// reloadSource is where run reads its configuration again.
type reloadSource struct {
	load configLoader // as at start
	file string       // watched; "" for none
}

// runConfig loads the configuration of run, at start and at every reload
// alike: resolved by the loader (config.Config.Resolve, demo SLAs applied).
func runConfig(load configLoader) (config.Config, error) {
	return load()
}

// watchedFile is the configuration file run watches: --config, or
// config.yaml when present; "" for none.
func watchedFile(cmd *cobra.Command) string {
	if f, _ := cmd.Flags().GetString("config"); f != "" {
		return f
	}
	if _, err := os.Stat(config.DefaultFile); errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	return config.DefaultFile
}

// reloadOnSignal runs the reloader on SIGHUP and file changes until ctx
// is done.
func (m *Main) reloadOnSignal(ctx context.Context, r *config.Reloader) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	_ = r.Run(ctx, hup)
}

// newNotifier builds the webhook notifier of run and its metrics.
func newNotifier(c *broker.Conn, prov *pipeline.Provisioned, cfg config.Config, log *slog.Logger) (*notify.Notifier, *notify.Metrics) {
	met := notify.NewMetrics()
	n := notify.New(notify.Options{JS: c.JS, Topology: prov.Topology, Orders: prov.Orders, Config: cfg.Notify,
		AckWait: cfg.Streaming.AckWait, PinnedTTL: cfg.Streaming.PinnedTTL, Metrics: met, Log: log})
	met.Watch(n)
	return n, met
}
