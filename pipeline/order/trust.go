package order

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Warned is what a trust tally needs of an order's warnings of one SLA:
// whether any was sent and the lead time of the first, the time from when
// it was sent to the deadline (its remaining_seconds).
type Warned struct {
	Sent bool
	Lead time.Duration
}

// OrderWarnings are an order's warnings per SLA in the order of SLAs: the
// predicted ones and those of sla.warn_at apart.
type OrderWarnings struct {
	Predicted [3]Warned
	WarnAt    [3]Warned
}

// Note records one warning of an SLA with its lead time; of several, the
// first sent (the longest lead) counts.
func (w *Warned) Note(lead time.Duration) {
	if !w.Sent || lead > w.Lead {
		w.Sent, w.Lead = true, lead
	}
}

// WarningScore says how well one kind of warning foretold the SLAs that
// ended: warned and breached (a breach foretold), warned and met (a false
// alarm), breached without a warning (a breach missed). Precision is
// WarnedBreached / (WarnedBreached + WarnedMet), Recall is WarnedBreached
// / (WarnedBreached + BreachedUnwarned), both to 4 decimals and 0 when
// nothing counts; MedianLeadSeconds is the median lead time of the
// breaches foretold (deadline minus warning time; the mean of the middle
// two for an even count), to the millisecond, 0 when none.
type WarningScore struct {
	WarnedBreached    uint64  `json:"warned_breached"`
	WarnedMet         uint64  `json:"warned_met"`
	BreachedUnwarned  uint64  `json:"breached_unwarned"`
	Precision         float64 `json:"precision"`
	Recall            float64 `json:"recall"`
	MedianLeadSeconds float64 `json:"median_lead_seconds"`

	leads []time.Duration
}

// add counts one ended SLA: breached or met, and its warning.
func (w *WarningScore) add(breached bool, warned Warned) {
	switch {
	case breached && warned.Sent:
		w.WarnedBreached++
		w.leads = append(w.leads, warned.Lead)
	case breached:
		w.BreachedUnwarned++
	case warned.Sent:
		w.WarnedMet++
	}
}

// finish sets the rates and the median.
func (w *WarningScore) finish() {
	w.Precision = ratio(w.WarnedBreached, w.WarnedBreached+w.WarnedMet)
	w.Recall = ratio(w.WarnedBreached, w.WarnedBreached+w.BreachedUnwarned)
	w.MedianLeadSeconds = medianSeconds(w.leads)
}

// medianSeconds is the median of ds in seconds to the millisecond (the
// mean of the middle two for an even count), 0 for none. It sorts ds.
func medianSeconds(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		m = (ds[len(ds)/2-1] + m) / 2
	}
	return math.Round(m.Seconds()*1e3) / 1e3
}

// PredictionRow scores the predicted warnings of one SLA over one segment
// (order.Segment under sla.predict.by), with the sla.warn_at warnings of
// the same SLAs beside them for comparison.
type PredictionRow struct {
	SLA     SLA    `json:"sla"`
	Segment string `json:"segment"`
	WarningScore
	WarnAt WarningScore `json:"warn_at"`
}

// Predictions is how well the warnings foretold the SLAs that ended: the
// body of report --predictions --json and of /api/predictions. Totals are
// the rows of each SLA over every segment (segment AllSegments), one per
// SLA that has rows, in the order of SLAs.
type Predictions struct {
	Since  *time.Time      `json:"since"`
	By     []string        `json:"by"`
	Rows   []PredictionRow `json:"rows"`
	Totals []PredictionRow `json:"totals"`
}

// AllSegments is the segment of Predictions.Totals.
const AllSegments = "all segments"

// PredictionTally scores warnings over orders fed to it one by one, in
// memory proportional to the segments and the breaches foretold. The zero
// value is not usable: call NewPredictionTally.
type PredictionTally struct {
	by    []string
	since time.Time
	rows  map[[2]string]*PredictionRow
}

// NewPredictionTally scores the orders placed at or after since (zero:
// all), in segments of the fields by (sla.predict.by).
func NewPredictionTally(by []string, since time.Time) *PredictionTally {
	return &PredictionTally{by: slices.Clone(by), since: since, rows: map[[2]string]*PredictionRow{}}
}

// Add counts every SLA of one order that ended met or breached (a
// retracted breach is met); pending and cancelled SLAs, unknown orders
// and orders placed before since count nothing. A met SLA that was never
// warned counts nothing either, yet makes its segment's row appear.
func (t *PredictionTally) Add(s State, w OrderWarnings) {
	if !s.Known() {
		return
	}
	at := s.UpdatedAt
	if s.PlacedAt != nil {
		at = *s.PlacedAt
	}
	if !t.since.IsZero() && at.Before(t.since) {
		return
	}
	seg := Segment(s, t.by)
	for i, sla := range SLAs {
		oc := OutcomeOf(s, sla)
		if oc != OutcomeMet && oc != OutcomeBreached {
			continue
		}
		key := [2]string{string(sla), seg}
		row := t.rows[key]
		if row == nil {
			row = &PredictionRow{SLA: sla, Segment: seg}
			t.rows[key] = row
		}
		row.add(oc == OutcomeBreached, w.Predicted[i])
		row.WarnAt.add(oc == OutcomeBreached, w.WarnAt[i])
	}
}

// Result returns the rows sorted by SLA in the order of SLAs, then by
// segment, with their rates.
func (t *PredictionTally) Result() Predictions {
	p := Predictions{By: t.by, Rows: make([]PredictionRow, 0, len(t.rows))}
	if p.By == nil {
		p.By = []string{}
	}
	if !t.since.IsZero() {
		since := t.since
		p.Since = &since
	}
	var totals [3]*PredictionRow
	for _, row := range t.rows {
		i := slices.Index(SLAs, row.SLA)
		if totals[i] == nil {
			totals[i] = &PredictionRow{SLA: row.SLA, Segment: AllSegments}
		}
		totals[i].WarningScore.sum(row.WarningScore)
		totals[i].WarnAt.sum(row.WarnAt)
		p.Rows = append(p.Rows, row.result())
	}
	slices.SortFunc(p.Rows, func(x, y PredictionRow) int {
		return cmp.Or(cmp.Compare(slices.Index(SLAs, x.SLA), slices.Index(SLAs, y.SLA)), cmp.Compare(x.Segment, y.Segment))
	})
	p.Totals = []PredictionRow{}
	for _, tot := range totals {
		if tot != nil {
			p.Totals = append(p.Totals, tot.result())
		}
	}
	return p
}

// result returns a copy of the row with its rates and medians, leaving the
// row as it is.
func (row *PredictionRow) result() PredictionRow {
	r := *row
	r.leads = slices.Clone(r.leads)
	r.WarnAt.leads = slices.Clone(r.WarnAt.leads)
	r.finish()
	r.WarnAt.finish()
	r.leads, r.WarnAt.leads = nil, nil
	return r
}

// sum adds o's counts and lead times to w.
func (w *WarningScore) sum(o WarningScore) {
	w.WarnedBreached += o.WarnedBreached
	w.WarnedMet += o.WarnedMet
	w.BreachedUnwarned += o.BreachedUnwarned
	w.leads = append(w.leads, o.leads...)
}
