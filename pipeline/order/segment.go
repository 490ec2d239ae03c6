package order

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Segment fields: the order fields sla.predict.by may name (SPEC section
// 17). An order's learned-risk model is the one of its segment: the orders
// with the same values of those fields.
const (
	SegmentRule         = "sla_rule"
	SegmentTenant       = "tenant_id"
	SegmentItemCategory = "item_category"
	SegmentServiceLevel = "service_level"
)

// SegmentFields lists the fields sla.predict.by accepts, in their order.
var SegmentFields = []string{SegmentRule, SegmentTenant, SegmentItemCategory, SegmentServiceLevel}

// Predict is sla.predict: learned-risk warnings (SPEC section 17). The zero
// value is off.
type Predict struct {
	// Enabled turns predicted warnings on; samples are learned either way.
	Enabled bool
	// Threshold is the risk, in (0, 1), at which an SLA is warned.
	Threshold float64
	// MinSamples is how many samples a segment needs before it predicts.
	MinSamples int
	// By names the segment fields (SegmentFields); none is one segment.
	By []string
}

// segmentValue returns the value of one segment field of an order; an order
// whose rule is not chosen yet counts under DefaultRule, as its terms do.
func (s State) segmentValue(field string) string {
	switch field {
	case SegmentRule:
		if s.SLARule == "" {
			return DefaultRule
		}
		return s.SLARule
	case SegmentTenant:
		return s.TenantID
	case SegmentItemCategory:
		return s.ItemCategory
	case SegmentServiceLevel:
		return s.ServiceLevel
	}
	return ""
}

// Segment returns the segment of an order under by: "field=value" for each
// field of by, in by's order, joined by ","; "" when by is empty (every
// order in one segment). A field sla.predict.by does not know counts as
// empty (validation rejects it). It is what report, whatif and the engine
// group orders by, so that they agree.
func Segment(s State, by []string) string {
	var b strings.Builder
	for i, f := range by {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f)
		b.WriteByte('=')
		b.WriteString(s.segmentValue(f))
	}
	return b.String()
}

// SegmentKey returns the key of the model an order's SLA is judged by: the
// SLA and the order's Segment, "<sla>/<segment>" (e.g.
// "processing/sla_rule=acme-express"). Two orders share a model exactly
// when their SLA and segment keys are equal.
func SegmentKey(s State, sla SLA, by []string) string {
	return string(sla) + "/" + Segment(s, by)
}

// ValidSegmentField reports whether sla.predict.by may name field.
func ValidSegmentField(field string) bool { return slices.Contains(SegmentFields, field) }

// ModelGeneration names the model the rules learn into (SPEC section 17):
// 8 hex digits of a SHA-256 of sla.predict.by and of what an SLA's
// duration is measured against (the clock, the default durations and
// calendar, every rule's match, durations and calendar). A change of any
// of them starts every segment afresh; a change of warn_at, grace or the
// prediction's threshold does not.
func (r Rules) ModelGeneration() string {
	var b strings.Builder
	fmt.Fprintf(&b, "by=%q clock=%s %d/%d/%d ", r.Predict.By, r.Clock, r.Processing, r.Shipping, r.Delivery)
	r.Calendar.describe(&b)
	for _, x := range r.Segments {
		fmt.Fprintf(&b, "|%q %q %q %q %d/%d/%d ", x.Name, x.Match.TenantID, x.Match.ItemCategory, x.Match.ServiceLevel,
			x.Processing, x.Shipping, x.Delivery)
		x.Calendar.describe(&b)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:4])
}

// describe writes what the calendar counts as open: its zone, its week and
// its holidays in date order; "-" for round the clock.
func (c *Calendar) describe(b *strings.Builder) {
	if c == nil {
		b.WriteString("-")
		return
	}
	fmt.Fprintf(b, "%s %v %v", c.loc, c.week, c.holidays) // holidays: sorted day numbers
}
