package monitor

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// ratePoints is how many rate samples the chart keeps: 5 minutes at the
// default StatusEvery of 2s.
const ratePoints = 150

// RatePoint is the input and processing rate over one sampling interval.
type RatePoint struct {
	At          time.Time `json:"at"`
	InputRate   float64   `json:"input_rate"`
	ProcessRate float64   `json:"processing_rate"`
}

// RateHistory is the body of /api/rates: the last minutes of rates, oldest
// first, one point per sampling interval, each averaged over the window
// before it (RateSamples intervals).
type RateHistory struct {
	IntervalSeconds float64     `json:"interval_seconds"`
	WindowSeconds   float64     `json:"window_seconds"`
	Points          []RatePoint `json:"points"`
}

// sampleShare bounds the time spent sampling: after a sample that took d,
// the next starts no sooner than sampleShare x d later (a sample costs about
// 25 ms against a local server with 2 partitions).
const sampleShare = 4

// sampler computes the status every interval with StatusReader.Report (the
// function status uses), keeping the last one and the rate history. Its
// rates are averaged over the last RateSamples intervals (window).
type sampler struct {
	log      *slog.Logger
	reader   StatusReader
	interval time.Duration

	mu     sync.Mutex
	window *RateWindow
	status *Status
	points []RatePoint
}

func (p *sampler) span() time.Duration { return RateSamples * p.interval }

// once samples now and returns the status with the rates over the window
// (the first call takes two samples, an instant apart).
func (p *sampler) once(ctx context.Context) (Status, error) {
	p.mu.Lock()
	if p.window == nil {
		p.window = &RateWindow{Span: p.span()}
	}
	from, ok := p.window.From(time.Now())
	p.mu.Unlock()
	first := !ok
	if first {
		s, err := p.reader.Sample(ctx)
		if err != nil {
			return Status{}, err
		}
		from = s
	}
	st, cur, err := p.reader.Report(ctx, from)
	if err != nil {
		return Status{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if first {
		p.window.Add(from)
	}
	p.window.Add(cur)
	p.status = &st
	if first {
		return st, nil // rates over the instant between two samples: not a chart point
	}
	p.points = append(p.points, RatePoint{At: st.At, InputRate: st.InputRate, ProcessRate: st.ProcessRate})
	if len(p.points) > ratePoints {
		p.points = append(p.points[:0], p.points[len(p.points)-ratePoints:]...)
	}
	return st, nil
}

func (p *sampler) run(ctx context.Context, connected func() bool) {
	for {
		wait := p.interval
		if connected() {
			start := time.Now()
			sctx, cancel := context.WithTimeout(ctx, apiTimeout)
			if _, err := p.once(sctx); err != nil {
				// A sample that failed (one cut by an outage waits up to
				// apiTimeout) says nothing of what sampling costs: retry soon.
				p.log.Debug("monitor: status sample failed", "err", err)
			} else {
				wait = max(p.interval, sampleShare*time.Since(start))
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (p *sampler) last() (Status, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status == nil {
		return Status{}, false
	}
	return *p.status, true
}

func (p *sampler) rates() RateHistory {
	p.mu.Lock()
	defer p.mu.Unlock()
	return RateHistory{IntervalSeconds: p.interval.Seconds(), WindowSeconds: p.span().Seconds(), Points: append([]RatePoint{}, p.points...)}
}
