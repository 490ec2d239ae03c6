package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ordertrack/ordertrack/pipeline/feed"
)

// progressEvery is how often the progress bar is redrawn (4x/s).
const progressEvery = 250 * time.Millisecond

// progress draws a one-line progress bar on stderr with
// github.com/schollz/progressbar: count, rate, elapsed time and, when the
// end is known (--orders, or --duration with a --rate), a bar and the time
// left. The publisher only counts (feed.Tally.Events); a ticker feeds the bar.
type progress struct {
	bar   *progressbar.ProgressBar // nil when silent
	w     io.Writer
	total int64 // expected events; 0 = unknown
	t     *feed.Tally
	done  chan struct{}
	wg    sync.WaitGroup
}

// newProgress returns the bar of a generate run; it stays silent unless
// stderr is a terminal or --progress is set.
func (m *Main) newProgress(o generateOpts, perOrder float64, t *feed.Tally) *progress {
	p := &progress{w: m.Stderr, t: t}
	if o.orders > 0 {
		p.total = int64(float64(o.orders) * perOrder)
	}
	if o.duration > 0 && o.rate > 0 {
		if byTime := int64(o.rate * o.duration.Seconds()); p.total == 0 || byTime < p.total {
			p.total = byTime
		}
	}
	if !o.progress && !isTerminal(m.Stderr) {
		return p
	}
	max := p.total
	if max <= 0 {
		max = -1 // unknown: a spinner with count and rate
	}
	p.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(m.Stderr),
		progressbar.OptionSetTheme(progressbar.ThemeASCII),
		progressbar.OptionSetWidth(24),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("events"),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionThrottle(0), // the ticker throttles
	)
	return p
}

// start begins redrawing in the background.
func (p *progress) start() {
	if p.bar == nil {
		return
	}
	_ = p.bar.RenderBlank() // at once, with its time-left estimate
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				n := p.t.Events.Load()
				if p.total > 0 {
					n = min(n, p.total-1) // the bar finishes in stop, not before
				}
				_ = p.bar.Set64(n)
			case <-p.done:
				return
			}
		}
	}()
}

// stop draws the final state and ends the line: a complete run fills the
// bar with the events really sent, an interrupted one stays where it was.
// Safe to call twice.
func (p *progress) stop(complete bool) {
	if p.bar == nil || p.done == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.done = nil
	n := p.t.Events.Load()
	switch {
	case complete && n > 0 && p.total > 0:
		p.bar.ChangeMax64(n)
		_ = p.bar.Set64(n)
	case p.total > 0:
		_ = p.bar.Set64(min(n, p.total-1))
	default:
		_ = p.bar.Set64(n)
	}
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
