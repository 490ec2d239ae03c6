package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progressEvery is how often the progress bar is redrawn (at most 4x/s).
const progressEvery = 250 * time.Millisecond

// progress draws a one-line progress bar on stderr: count, rate and, when
// the end is known (--orders or --duration), a bar and an ETA.
type progress struct {
	w        io.Writer
	on       bool
	total    float64       // expected events; 0 = unknown
	duration time.Duration // --duration; 0 = none
	t        *tally
	began    time.Time
	done     chan struct{}
	wg       sync.WaitGroup
}

// newProgress returns the bar of a generate run; it stays silent unless
// stderr is a terminal or --progress is set.
func (m *Main) newProgress(o generateOpts, perOrder float64, t *tally) *progress {
	p := &progress{w: m.Stderr, on: o.progress || isTerminal(m.Stderr), duration: o.duration, t: t}
	if o.orders > 0 {
		p.total = float64(o.orders) * perOrder
	}
	if o.duration > 0 && o.rate > 0 {
		byTime := o.rate * o.duration.Seconds()
		if p.total == 0 || byTime < p.total {
			p.total = byTime
		}
	}
	return p
}

// start begins redrawing in the background.
func (p *progress) start() {
	p.began = time.Now()
	if !p.on {
		return
	}
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				fmt.Fprint(p.w, "\r"+p.line(time.Now()))
			case <-p.done:
				return
			}
		}
	}()
}

// stop draws the final state and ends the line. Safe to call twice.
func (p *progress) stop() {
	if !p.on || p.done == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.done = nil
	fmt.Fprint(p.w, "\r"+p.line(time.Now())+"\n")
}

// line renders the bar at now.
func (p *progress) line(now time.Time) string {
	n := float64(p.t.events.Load())
	elapsed := now.Sub(p.began)
	rate := 0.0
	if elapsed > 0 {
		rate = n / elapsed.Seconds()
	}
	s := fmt.Sprintf("%s events  %s/s  %s", thousands(int64(n)), thousands(int64(rate)), clock(elapsed))
	frac, eta, known := p.remaining(n, rate, elapsed)
	if !known {
		return s + "   "
	}
	const width = 24
	filled := int(frac * width)
	return fmt.Sprintf("[%s%s] %3.0f%%  %s  ETA %s   ", strings.Repeat("#", filled),
		strings.Repeat("-", width-filled), 100*frac, s, clock(eta))
}

// remaining estimates the done fraction and the time left.
func (p *progress) remaining(n, rate float64, elapsed time.Duration) (float64, time.Duration, bool) {
	var frac float64
	var eta time.Duration
	switch {
	case p.total > 0 && rate > 0:
		frac = n / p.total
		eta = time.Duration((p.total - n) / rate * float64(time.Second))
	case p.duration > 0:
		frac = elapsed.Seconds() / p.duration.Seconds()
		eta = p.duration - elapsed
	default:
		return 0, 0, false
	}
	if p.duration > 0 {
		eta = min(eta, p.duration-elapsed)
	}
	return min(max(frac, 0), 1), max(eta, 0), true
}

// clock formats a duration as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// thousands formats n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
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
