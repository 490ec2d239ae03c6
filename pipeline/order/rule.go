package order

import "time"

// DefaultRule is the sla_rule of an order no rule of sla.rules matched.
const DefaultRule = "default"

// Rule is one entry of sla.rules: the terms for the orders it matches. A
// zero duration, a nil calendar or a nil WarnAt falls back to the defaults.
type Rule struct {
	Name       string
	Match      Match
	Processing time.Duration
	Shipping   time.Duration
	Delivery   time.Duration
	Calendar   *Calendar
	// WarnAt nil takes the default warn_at; an empty, non-nil list turns
	// warnings off for the rule.
	WarnAt []float64
}

// Match is the fields a rule matches on; an empty field matches anything,
// and a rule matches an order when every set field equals the order's.
type Match struct {
	TenantID     string
	ItemCategory string
	ServiceLevel string
}

// IsZero reports whether the match has no field (sla.rules rejects that).
func (m Match) IsZero() bool { return m == Match{} }

func (m Match) matches(s State) bool {
	return (m.TenantID == "" || m.TenantID == s.TenantID) &&
		(m.ItemCategory == "" || m.ItemCategory == s.ItemCategory) &&
		(m.ServiceLevel == "" || m.ServiceLevel == s.ServiceLevel)
}

// Choose returns the name of the first rule matching the order's fields, or
// DefaultRule.
func (r Rules) Choose(s State) string {
	for _, x := range r.Segments {
		if x.Match.matches(s) {
			return x.Name
		}
	}
	return DefaultRule
}

// chooseRule records the order's rule once its matching fields are first
// known (or it is placed): from then on the choice stays, whatever the
// configuration (SPEC section 11).
func (s *State) chooseRule(r Rules, stage Stage) {
	if s.SLARule != "" {
		return
	}
	if stage == StageOrder || s.TenantID != "" || s.ItemCategory != "" || s.ServiceLevel != "" {
		s.SLARule = r.Choose(*s)
	}
}

// Terms are the SLA terms in force for one order: its rule's, with the
// defaults for what the rule leaves unset.
type Terms struct {
	Rule       string // the rule's name; DefaultRule when none
	Processing time.Duration
	Shipping   time.Duration
	Delivery   time.Duration
	Calendar   *Calendar // nil: round the clock
	WarnAt     []float64
}

// Terms returns the terms of the order's recorded rule (sla_rule). An order
// whose rule is not chosen yet, or whose rule is no longer configured, has
// the default terms (under its recorded name).
func (r Rules) Terms(s State) Terms {
	t := Terms{Rule: DefaultRule, Processing: r.Processing, Shipping: r.Shipping, Delivery: r.Delivery,
		Calendar: r.Calendar, WarnAt: r.WarnAt}
	if s.SLARule == "" || s.SLARule == DefaultRule {
		return t
	}
	t.Rule = s.SLARule
	for i := range r.Segments {
		if x := &r.Segments[i]; x.Name == s.SLARule {
			t.Processing = orDuration(x.Processing, t.Processing)
			t.Shipping = orDuration(x.Shipping, t.Shipping)
			t.Delivery = orDuration(x.Delivery, t.Delivery)
			if x.Calendar != nil {
				t.Calendar = x.Calendar
			}
			if x.WarnAt != nil {
				t.WarnAt = x.WarnAt
			}
			break
		}
	}
	return t
}

// Duration returns the allowed time of an SLA under these terms.
func (t Terms) Duration(s SLA) time.Duration {
	switch s {
	case SLAProcessing:
		return t.Processing
	case SLAShipping:
		return t.Shipping
	default:
		return t.Delivery
	}
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
