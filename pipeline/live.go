package pipeline

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Live is what a reload changes in a running `run` (SPEC section 12): the
// SLAs read by each batch, the console, the log level and the webhooks.
type Live struct {
	Config   *config.Live // the configuration in force
	rules    atomic.Pointer[order.Rules]
	console  *Console
	level    *slog.LevelVar
	notifier NotifyUpdater
}

// NotifyUpdater takes a reloaded notify section (notify.Notifier).
type NotifyUpdater interface{ Update(config.Notify) }

// NewLive starts with cfg in force.
func NewLive(cfg config.Config, console *Console, level *slog.LevelVar, n NotifyUpdater) *Live {
	l := &Live{Config: config.NewLive(cfg, time.Now()), console: console, level: level, notifier: n}
	l.setRules(cfg)
	return l
}

// Rules returns the SLAs in force (Options.LiveRules).
func (l *Live) Rules() order.Rules { return *l.rules.Load() }

func (l *Live) setRules(c config.Config) {
	r := c.Rules()
	l.rules.Store(&r)
}

// Apply puts a reloaded configuration's live keys in force
// (config.Reloader.Apply).
func (l *Live) Apply(c config.Config) {
	l.setRules(c)
	l.console.SetMaxRows(c.Output.MaxRows)
	_ = l.level.UnmarshalText([]byte(c.Log.Level)) // validated by config
	l.notifier.Update(c.Notify)
}

// OnUpdates feeds the console while output.console is on (Options.OnUpdates).
func (l *Live) OnUpdates(us []order.Update) {
	if l.Config.Config().Output.Console {
		l.console.Add(us...)
	}
}
