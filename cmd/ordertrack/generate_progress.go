package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ordertrack/ordertrack/pipeline/ingest"
)

// progress is generate's progress bar on stderr: count, rate, elapsed time
// and, when the end is known (ingest.Load.Expected), a bar and the time left.
// The publisher only counts (ingest.Tally.Events); a ticker feeds the bar 4x/s.
type progress struct {
	bar   *progressbar.ProgressBar // nil when silent
	w     io.Writer
	total int64 // expected events; 0 = unknown
	t     *ingest.Tally
	halt  func() // stops the ticker; nil when not started
}

// newProgress returns the bar of a generate run; it stays silent unless
// stderr is a terminal or --progress is set.
func (m *Main) newProgress(o generateOpts, perOrder float64, t *ingest.Tally) *progress {
	p := &progress{w: m.Stderr, t: t, total: o.Expected(perOrder)}
	if o.progress || isTerminal(m.Stderr) {
		p.bar = eventsBar(m.Stderr, cmp.Or(p.total, -1), // -1: a spinner with count and rate
			progressbar.OptionSetElapsedTime(true), progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(0)) // the ticker throttles
	}
	return p
}

// eventsBar is a bar of max events (github.com/schollz/progressbar), as
// generate and whatif draw it.
func eventsBar(w io.Writer, max int64, opts ...progressbar.Option) *progressbar.ProgressBar {
	return progressbar.NewOptions64(max, append([]progressbar.Option{progressbar.OptionSetWriter(w),
		progressbar.OptionSetTheme(progressbar.ThemeASCII), progressbar.OptionSetWidth(24),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"),
		progressbar.OptionSetPredictTime(true)}, opts...)...)
}

// start draws the bar at once, with its time-left estimate, and then 4x/s.
func (p *progress) start() {
	if p.bar == nil {
		return
	}
	_ = p.bar.RenderBlank()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				_ = p.bar.Set64(p.running())
			case <-ctx.Done():
				return
			}
		}
	})
	p.halt = func() { cancel(); wg.Wait() }
}

// running is the count shown while publishing: below a known total, which
// only a complete run reaches (in stop).
func (p *progress) running() int64 {
	n := p.t.Events.Load()
	if p.total > 0 {
		n = min(n, p.total-1)
	}
	return n
}

// stop draws the final state and ends the line: a complete run fills the
// bar with the events really sent, an interrupted one stays where it was.
// Safe to call twice.
func (p *progress) stop(complete bool) {
	if p.bar == nil || p.halt == nil {
		return
	}
	p.halt()
	p.halt = nil
	n := p.t.Events.Load()
	if complete && n > 0 && p.total > 0 {
		p.bar.ChangeMax64(n)
	} else {
		n = p.running()
	}
	_ = p.bar.Set64(n)
	_ = p.bar.Exit()
	fmt.Fprintln(p.w)
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
