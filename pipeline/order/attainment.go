package order

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// RetractedSLA reports whether a breach of the SLA was withdrawn: the late
// event proved the stage in time, so OutcomeOf says met.
func (s State) RetractedSLA(sla SLA) bool { return slices.Contains(s.Retracted, sla) }

// Grouping names how attainment rows are grouped.
type Grouping string

// The groupings of attainment (report --by).
const (
	BySLA          Grouping = "sla"           // one group, "all"
	ByTenant       Grouping = "tenant"        // tenant_id; "none" when the order has none
	ByRule         Grouping = "rule"          // sla_rule; DefaultRule when not chosen
	ByServiceLevel Grouping = "service_level" // service_level; "none" when the order has none
)

// Groupings lists every grouping.
var Groupings = []Grouping{BySLA, ByTenant, ByRule, ByServiceLevel}

// Group returns the group an order falls in under g.
func (g Grouping) Group(s State) string {
	switch g {
	case ByTenant:
		return cmp.Or(s.TenantID, "none")
	case ByRule:
		return cmp.Or(s.SLARule, DefaultRule)
	case ByServiceLevel:
		return cmp.Or(s.ServiceLevel, "none")
	}
	return "all"
}

// AttainmentRow counts the outcomes of one SLA over one group of orders.
// Retracted is a subset of Met; OnTimeRate is Met / (Met + Breached) (0
// when neither) and CancelRate is Cancelled / Orders, both to 4 decimals.
type AttainmentRow struct {
	Group      string  `json:"group"`
	SLA        SLA     `json:"sla"`
	Orders     uint64  `json:"orders"`
	Met        uint64  `json:"met"`
	Breached   uint64  `json:"breached"`
	Retracted  uint64  `json:"retracted"`
	Cancelled  uint64  `json:"cancelled"`
	Pending    uint64  `json:"pending"`
	OnTimeRate float64 `json:"on_time_rate"`
	CancelRate float64 `json:"cancel_rate"`
}

// Attainment is the SLA attainment of a set of orders: the body of
// /api/attainment and of report --json.
type Attainment struct {
	Since *time.Time      `json:"since,omitempty"`
	By    Grouping        `json:"by"`
	Rows  []AttainmentRow `json:"rows"`
}

// Tally counts SLA outcomes over orders fed to it one by one, in memory
// proportional to the number of groups (not of orders). The zero value
// is not usable: call NewTally.
type Tally struct {
	by    Grouping
	since time.Time
	rows  map[string]*[3]AttainmentRow // per group, one row per SLA in the order of SLAs
}

// NewTally counts by g the orders placed at or after since (zero: all).
func NewTally(g Grouping, since time.Time) *Tally {
	return &Tally{by: g, since: since, rows: map[string]*[3]AttainmentRow{}}
}

// Add counts every SLA of one order; unknown orders and orders placed
// before since are skipped. An order's time is placed_at, or updated_at
// while placement is unknown.
func (t *Tally) Add(s State) {
	if m, ok := t.MarkOf(s); ok {
		t.AddMark(m, 1)
	}
}

// Mark is what a Tally counts of one order: its group and each SLA's
// outcome (in the order of SLAs), retracted or not. A read model that
// follows changes keeps what a Mark is made of per order, so that it can
// take the order's old mark out (AddMark with -1) and put the new one in.
type Mark struct {
	Group     string
	Outcomes  [3]Outcome
	Retracted [3]bool
}

// MarkOf returns the order's mark, and false when Add skips the order.
func (t *Tally) MarkOf(s State) (Mark, bool) {
	if !s.Known() {
		return Mark{}, false
	}
	at := s.UpdatedAt
	if s.PlacedAt != nil {
		at = *s.PlacedAt
	}
	if !t.since.IsZero() && at.Before(t.since) {
		return Mark{}, false
	}
	m := Mark{Group: t.by.Group(s)}
	for i, sla := range SLAs {
		m.Outcomes[i], m.Retracted[i] = OutcomeOf(s, sla), s.RetractedSLA(sla)
	}
	return m, true
}

// AddMark counts a mark n times: 1 adds an order, -1 takes it back out.
// A group whose orders were all taken out leaves the result.
func (t *Tally) AddMark(m Mark, n int) {
	rows := t.rows[m.Group]
	if rows == nil {
		rows = &[3]AttainmentRow{}
		for i, sla := range SLAs {
			rows[i] = AttainmentRow{Group: m.Group, SLA: sla}
		}
		t.rows[m.Group] = rows
	}
	d := uint64(n) // two's complement: adding uint64(-1) subtracts one
	for i := range SLAs {
		r := &rows[i]
		r.Orders += d
		switch m.Outcomes[i] {
		case OutcomeMet:
			r.Met += d
		case OutcomeBreached:
			r.Breached += d
		case OutcomeCancelled:
			r.Cancelled += d
		default:
			r.Pending += d
		}
		if m.Retracted[i] {
			r.Retracted += d
		}
	}
	if rows[0].Orders == 0 {
		delete(t.rows, m.Group)
	}
}

// Result returns the rows sorted by group, then by SLA in the order of
// SLAs, with their rates.
func (t *Tally) Result() Attainment {
	a := Attainment{By: t.by, Rows: make([]AttainmentRow, 0, 3*len(t.rows))}
	if !t.since.IsZero() {
		since := t.since
		a.Since = &since
	}
	for _, rows := range t.rows {
		for _, row := range rows {
			row.OnTimeRate = ratio(row.Met, row.Met+row.Breached)
			row.CancelRate = ratio(row.Cancelled, row.Orders)
			a.Rows = append(a.Rows, row)
		}
	}
	slices.SortFunc(a.Rows, func(x, y AttainmentRow) int {
		return cmp.Or(cmp.Compare(x.Group, y.Group), cmp.Compare(slices.Index(SLAs, x.SLA), slices.Index(SLAs, y.SLA)))
	})
	return a
}

// ratio is n/d rounded to 4 decimals, 0 when d is 0.
func ratio(n, d uint64) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*1e4) / 1e4
}

// NextDeadline returns the earliest deadline of the order that is still
// pending (see Rules.Pending; its breach check, not a warning time), and
// false when none is.
func (r Rules) NextDeadline(s State) (Deadline, bool) {
	var next Deadline
	found := false
	for _, d := range r.Pending(s) {
		if !d.Breach() {
			continue
		}
		if !found || d.At.Before(next.At) {
			next, found = d, true
		}
	}
	return next, found
}
