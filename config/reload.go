package config

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/knadh/koanf/providers/file"
)

// DefaultDebounce is how long Reloader waits after the last change of the
// file before reading it: editors write a new file and rename it, or write
// it in several steps.
const DefaultDebounce = 300 * time.Millisecond

// Reloader re-reads the configuration when asked (SIGHUP) and when its
// file changes, and puts the live keys of a valid new configuration in
// force (SPEC section 12). A change to a key that needs a restart is
// logged and its running value kept; an invalid file is rejected, naming
// the key, and the running configuration stays.
type Reloader struct {
	// Live holds the configuration in force; required.
	Live *Live
	// Load reads the configuration again, from the same file, environment
	// and flags as at start, before Resolve; required. When the demo SLAs
	// are in force (Live holds a configuration resolved with them) a reload
	// resolves the next one with them too, so they stay until a restart;
	// otherwise they stay out (generator.demo_sla is not live).
	Load func() (Config, error)
	// Loaded is what Load returned for the configuration in force; a reload
	// compares the next load with it to name the sla.* keys a user changed
	// that the demo SLAs override. Default: Live's configuration.
	Loaded *Config
	// File is the configuration file to watch; "" watches none.
	File string
	// Apply, if set, is called with each configuration put in force, after
	// Live holds it (to set the log level, reconcile webhooks, ...).
	Apply func(Config)
	// Log receives what each reload did; default: discard.
	Log *slog.Logger
	// Now is the clock of LoadedAt; default time.Now.
	Now func() time.Time
	// Debounce is the quiet time after a file change before reading it;
	// default DefaultDebounce.
	Debounce time.Duration

	mu                sync.Mutex // one reload at a time
	applied, rejected atomic.Uint64
	readyOnce         sync.Once
	ready             chan struct{}
}

// Watching returns a channel closed once Run watches File (at once when
// File is ""), so that a change made after it is seen.
func (r *Reloader) Watching() <-chan struct{} {
	r.readyOnce.Do(func() { r.ready = make(chan struct{}) })
	return r.ready
}

// Counts returns how many reloads were applied and rejected
// (ordertrack_config_reloads_total{result}).
func (r *Reloader) Counts() (applied, rejected uint64) {
	return r.applied.Load(), r.rejected.Load()
}

// Reload reads the configuration and puts its live keys in force. It
// returns the error of a rejected configuration.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	log := r.log()
	loaded, err := r.Load()
	running := r.Live.Config()
	var next Config
	var restart []string
	if err == nil {
		next, restart = Merge(running, loaded)
		if running.DemoSLA() && !running.DemoReplaces() { // the demo SLAs are in force
			next = next.Resolve() // generator.* and nats.url are running's: they stay
		}
		err = next.Validate()
	}
	if err != nil {
		r.rejected.Add(1)
		log.Error("configuration reload rejected; the running configuration stays", "keys", ErrorKeys(err), "err", err)
		return err
	}
	for _, k := range restart {
		log.Warn("configuration key changed but needs a restart; the running value stays", "key", k)
	}
	prev := running
	if r.Loaded != nil {
		prev = *r.Loaded
	}
	for _, k := range demoOverridden(prev, loaded, next) {
		log.Warn("configuration key changed but the demo SLAs override it until a restart with generator.demo_sla=false", "key", k)
	}
	r.Loaded = &loaded
	r.applied.Add(1)
	changed := changedKeys(running, next)
	if len(changed) == 0 {
		log.Info("configuration reloaded; no live key changed", "hash", r.Live.Hash())
		return nil
	}
	r.Live.Set(next, r.now())
	log.Info("configuration reloaded", "changed", changed, "hash", r.Live.Hash())
	if r.Apply != nil {
		r.Apply(next)
	}
	return nil
}

// Run reloads at every value of hup and after each change of File, until
// ctx is done.
func (r *Reloader) Run(ctx context.Context, hup <-chan os.Signal) error {
	changes := make(chan struct{}, 1)
	r.Watching()
	ready := r.ready
	if r.File != "" {
		go r.watch(ctx, changes, ready)
	} else {
		close(ready)
	}
	debounce := r.Debounce
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			r.log().Info("reloading the configuration (SIGHUP)")
			_ = r.Reload()
		case <-changes:
			timer.Reset(debounce)
		case <-timer.C:
			r.log().Info("reloading the configuration (file changed)", "file", r.File)
			_ = r.Reload()
		}
	}
}

// RunOnSIGHUP is Run with the process's SIGHUP signals.
func (r *Reloader) RunOnSIGHUP(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return r.Run(ctx, hup)
}

// watch signals changes of File until ctx is done. koanf's watcher stops
// when the file is removed (some editors delete and re-create it); it is
// started again once the file is back, and that counts as a change.
func (r *Reloader) watch(ctx context.Context, changes chan<- struct{}, ready chan struct{}) {
	var readyOnce sync.Once
	defer readyOnce.Do(func() { close(ready) })
	path, err := filepath.Abs(r.File)
	if err != nil {
		r.log().Error("cannot watch the configuration file; reload with SIGHUP", "file", r.File, "err", err)
		return
	}
	signal := func() {
		select {
		case changes <- struct{}{}:
		default:
		}
	}
	retry := time.NewTicker(max(r.Debounce, DefaultDebounce))
	defer retry.Stop()
	for first := true; ; first = false {
		lost := make(chan struct{})
		f := file.Provider(path)
		var once sync.Once
		err := f.Watch(func(_ any, err error) {
			if err != nil {
				once.Do(func() { close(lost) })
				return
			}
			signal()
		})
		readyOnce.Do(func() { close(ready) })
		if err != nil && first {
			r.log().Warn("cannot watch the configuration file yet; retrying", "file", r.File, "err", err)
		}
		if err == nil {
			if !first {
				signal() // replaced while not watched
			}
			select {
			case <-ctx.Done():
				_ = f.Unwatch()
				return
			case <-lost:
				_ = f.Unwatch()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-retry.C:
		}
	}
}

func (r *Reloader) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

func (r *Reloader) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// demoOverridden lists the keys of the demo SLAs (DemoSLAs: durations and
// clock) that loaded changes from prev but next, resolved, does not take:
// the demo SLAs in force replace them.
func demoOverridden(prev, loaded, next Config) []string {
	var out []string
	for _, k := range []struct {
		key                 string
		prev, loaded, inUse any
	}{
		{"sla.processing", prev.SLA.Processing, loaded.SLA.Processing, next.SLA.Processing},
		{"sla.shipping", prev.SLA.Shipping, loaded.SLA.Shipping, next.SLA.Shipping},
		{"sla.delivery", prev.SLA.Delivery, loaded.SLA.Delivery, next.SLA.Delivery},
		{"sla.clock", prev.SLA.Clock, loaded.SLA.Clock, next.SLA.Clock},
	} {
		if k.loaded != k.prev && k.loaded != k.inUse {
			out = append(out, k.key)
		}
	}
	return out
}

// changedKeys lists the keys whose values differ between a and b.
func changedKeys(a, b Config) []string {
	av, bv := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for _, f := range fields() {
		if f.pattern {
			continue // compared as part of its container (calendars)
		}
		if !reflect.DeepEqual(av.FieldByIndex(f.index).Interface(), bv.FieldByIndex(f.index).Interface()) {
			out = append(out, f.name)
		}
	}
	return out
}

// ErrorKeys returns the configuration keys an error of Load or Validate
// names, in order.
func ErrorKeys(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var ke *keyError
		switch x := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				walk(e)
			}
		default:
			if errors.As(err, &ke) {
				out = append(out, ke.key)
			}
		}
	}
	walk(err)
	return out
}
