package whatif

import (
	"cmp"
	"slices"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Result is the outcome of a replay.
type Result struct {
	Events  int // events read
	Invalid int // events the pipeline would dead-letter
	// Predicts is true when either configuration predicts
	// (sla.predict.enabled): its predicted warnings are counted.
	Predicts bool
	orders   []*tracked
}

// Orders is the number of orders seen.
func (r Result) Orders() int { return len(r.orders) }

// Tally counts one configuration's outcomes in one group and SLA.
// Warnings are the SLA_AT_RISK of sla.warn_at; Predicted those of
// sla.predict ("reason": "predicted", at most one per order and SLA), of
// which PredictedBreached warned an SLA that was breached.
type Tally struct {
	Orders            int     `json:"orders"`
	Met               int     `json:"met"`
	Breached          int     `json:"breached"`
	Warnings          int     `json:"warnings"`
	Predicted         int     `json:"predicted_warnings"`
	PredictedBreached int     `json:"predicted_breached"`
	OnTimeRate        float64 `json:"on_time_rate"`
}

// Row compares the two configurations for one group and SLA.
type Row struct {
	Group string    `json:"group"`
	SLA   order.SLA `json:"sla"`
	Base  Tally     `json:"base"`
	New   Tally     `json:"new"`
}

// Change is an order whose outcome of one SLA differs.
type Change struct {
	OrderID string        `json:"order_id"`
	SLA     order.SLA     `json:"sla"`
	Base    order.Outcome `json:"base"`
	New     order.Outcome `json:"new"`
}

// Rows tallies the outcomes per group and SLA, sorted by group then SLA.
//
// Rows tallies under order.Grouping by ("": one group, all).
func (r Result) Rows(by order.Grouping) []Row {
	idx := map[[2]string]*Row{}
	var rows []*Row
	for _, t := range r.orders {
		for _, sla := range order.SLAs {
			key := [2]string{by.Group(t.states[0]), string(sla)}
			row, ok := idx[key]
			if !ok {
				row = &Row{Group: key[0], SLA: sla}
				idx[key] = row
				rows = append(rows, row)
			}
			add(&row.Base, order.OutcomeOf(t.states[0], sla), t.warns[0], slaRank(sla))
			add(&row.New, order.OutcomeOf(t.states[1], sla), t.warns[1], slaRank(sla))
		}
	}
	out := make([]Row, 0, len(rows))
	for _, row := range rows {
		row.Base.OnTimeRate, row.New.OnTimeRate = rate(row.Base), rate(row.New)
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(slaRank(a.SLA), slaRank(b.SLA)))
	})
	return out
}

// Changed lists up to n orders whose outcome differs (n < 0: all), in the
// order their first event was recorded, then by SLA.
func (r Result) Changed(n int) []Change {
	ts := slices.Clone(r.orders)
	slices.SortFunc(ts, func(a, b *tracked) int { return cmp.Compare(a.first, b.first) })
	var out []Change
	for _, t := range ts {
		for _, sla := range order.SLAs {
			if n >= 0 && len(out) >= n {
				return out
			}
			b, nw := order.OutcomeOf(t.states[0], sla), order.OutcomeOf(t.states[1], sla)
			if b != nw {
				out = append(out, Change{OrderID: t.states[0].OrderID, SLA: sla, Base: b, New: nw})
			}
		}
	}
	return out
}

// add counts one order's SLA (rank i in order.SLAs) with its outcome and
// warnings.
func add(t *Tally, oc order.Outcome, w warnings, i int) {
	t.Orders++
	t.Warnings += w.warnAt[i]
	t.Predicted += w.predicted[i]
	switch oc {
	case order.OutcomeMet:
		t.Met++
	case order.OutcomeBreached:
		t.Breached++
		t.PredictedBreached += w.predicted[i]
	}
}

// rate is met / (met + breached), rounded to 4 places; 0 when neither.
func rate(t Tally) float64 {
	if t.Met+t.Breached == 0 {
		return 0
	}
	return round4(float64(t.Met) / float64(t.Met+t.Breached))
}

func round4(f float64) float64 { return float64(int64(f*10000+0.5)) / 10000 }

func slaRank(s order.SLA) int { return slices.Index(order.SLAs, s) }
