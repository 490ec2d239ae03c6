package order

import (
	"slices"
	"time"
)

// maxEventIDs bounds how many recent event ids an order remembers for
// de-duplication by event_id.
const maxEventIDs = 16

// State is everything known about one order: the KV value of SPEC section 4.
type State struct {
	OrderID      string     `json:"order_id"`
	Status       Stage      `json:"status"`
	PlacedAt     *time.Time `json:"placed_at,omitempty"`
	ProcessingAt *time.Time `json:"processing_at,omitempty"`
	ShippedAt    *time.Time `json:"shipped_at,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	Breaches     []SLA      `json:"breaches"`
	// Retracted lists breaches a late event withdrew (SPEC section 11); an
	// SLA is in Breaches or Retracted, never both, and never breached again.
	Retracted []SLA `json:"retracted"`
	// Warnings records the SLA_AT_RISK warnings sent (and those missed), so
	// each is sent at most once per SLA and threshold.
	Warnings []Warning `json:"warnings,omitempty"`
	// Predictions records the predicted-risk check of each SLA (SPEC
	// section 17): when it is next judged, and whether its SLA_AT_RISK was
	// sent (at most once per SLA) or missed.
	Predictions []Prediction `json:"predictions,omitempty"`
	// SLARule names the rule of sla.rules chosen for the order, DefaultRule
	// when none matched, "" until chosen.
	SLARule string `json:"sla_rule,omitempty"`
	// Deadlines are each SLA's deadline as computed when its start became
	// known, under the terms then in force (SPEC section 4).
	Deadlines    SLADeadlines `json:"deadlines,omitzero"`
	CustomerID   string       `json:"customer_id,omitempty"`
	ItemName     string       `json:"item_name,omitempty"`
	ItemCategory string       `json:"item_category,omitempty"`
	Quantity     int          `json:"quantity,omitempty"`
	Price        float64      `json:"price,omitempty"`
	TenantID     string       `json:"tenant_id,omitempty"`
	ServiceLevel string       `json:"service_level,omitempty"`
	UpdatedAt    time.Time    `json:"updated_at"`

	// Arrived holds when each stage's event was stored by JetStream; with
	// sla.clock "processing" deadlines are computed from these.
	Arrived Arrivals `json:"arrived,omitzero"`
	// Rejected lists stages whose events were rejected, so a repeat of the
	// same impossible event is a duplicate and emits nothing.
	Rejected []Stage `json:"rejected,omitempty"`
	// EventIDs remembers the most recent event ids applied or rejected.
	EventIDs []string `json:"event_ids,omitempty"`
}

// NewState returns the empty state of an order not seen before.
func NewState(orderID string) State {
	return State{OrderID: orderID, Breaches: []SLA{}, Retracted: []SLA{}}
}

// Known reports whether any event of the order has been seen.
func (s State) Known() bool { return s.Status != StageNone }

// Closed reports whether the order reached a final status.
func (s State) Closed() bool { return s.Status == StageDelivered || s.Status == StageCancelled }

// At returns the event time of a stage, or nil while it is unknown.
func (s State) At(st Stage) *time.Time {
	switch st {
	case StageOrder:
		return s.PlacedAt
	case StageProcessing:
		return s.ProcessingAt
	case StageShipped:
		return s.ShippedAt
	case StageDelivered:
		return s.DeliveredAt
	case StageCancelled:
		return s.CancelledAt
	}
	return nil
}

// setAt records the event time of a stage.
func (s *State) setAt(st Stage, t time.Time) {
	p := &t
	switch st {
	case StageOrder:
		s.PlacedAt = p
	case StageProcessing:
		s.ProcessingAt = p
	case StageShipped:
		s.ShippedAt = p
	case StageDelivered:
		s.DeliveredAt = p
	case StageCancelled:
		s.CancelledAt = p
	}
}

// Breached reports whether an SLA breach was already recorded (and not
// retracted).
func (s State) Breached(sla SLA) bool { return slices.Contains(s.Breaches, sla) }

// decided reports whether an SLA was breached, retracted or not: it is never
// breached or warned again.
func (s State) decided(sla SLA) bool { return s.Breached(sla) || s.RetractedSLA(sla) }

// Warning is one SLA_AT_RISK of an order: sent, or missed when the order's
// deadline had passed by the time its warning was checked.
type Warning struct {
	SLA       SLA     `json:"sla"`
	Threshold float64 `json:"threshold"`
	Missed    bool    `json:"missed,omitempty"`
}

// Warned reports whether the warning of an SLA at a threshold was sent (or
// missed).
func (s State) Warned(sla SLA, threshold float64) bool {
	for _, w := range s.Warnings {
		if w.SLA == sla && w.Threshold == threshold {
			return true
		}
	}
	return false
}

// seenEvent reports whether an event id was already applied or rejected.
func (s State) seenEvent(id string) bool {
	return id != "" && slices.Contains(s.EventIDs, id)
}

// rememberEvent records an event id, forgetting the oldest past the bound.
func (s *State) rememberEvent(id string) {
	if id == "" {
		return
	}
	if len(s.EventIDs) == cap(s.EventIDs) { // an order's ids in one block: an order has four stages
		s.EventIDs = slices.Grow(s.EventIDs, max(4, len(s.EventIDs)))
	}
	s.EventIDs = append(s.EventIDs, id)
	if len(s.EventIDs) > maxEventIDs {
		s.EventIDs = slices.Delete(s.EventIDs, 0, len(s.EventIDs)-maxEventIDs)
	}
}

// absorb copies the descriptive fields an event carries, never erasing a
// known value with an empty one.
func (s *State) absorb(e Event) {
	setIf(&s.CustomerID, e.CustomerID)
	setIf(&s.ItemName, e.ItemName)
	setIf(&s.ItemCategory, e.ItemCategory)
	setIf(&s.TenantID, e.TenantID)
	setIf(&s.ServiceLevel, e.ServiceLevel)
	if e.Quantity != 0 {
		s.Quantity = e.Quantity
	}
	if e.Price != 0 {
		s.Price = e.Price
	}
}

func setIf(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// Clone returns a deep copy, so callers can keep the previous state.
func (s State) Clone() State {
	c := s
	c.Breaches = slices.Clone(s.Breaches)
	if c.Breaches == nil {
		c.Breaches = []SLA{}
	}
	c.Retracted = slices.Clone(s.Retracted)
	if c.Retracted == nil {
		c.Retracted = []SLA{}
	}
	c.Warnings = slices.Clone(s.Warnings)
	c.Predictions = slices.Clone(s.Predictions)
	c.Rejected = slices.Clone(s.Rejected)
	if s.EventIDs != nil { // with room for the id Apply remembers next
		c.EventIDs = append(make([]string, 0, len(s.EventIDs)+1), s.EventIDs...)
	}
	return c
}
