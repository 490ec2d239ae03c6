package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// validateSLATerms checks sla.warn_at, sla.calendar and sla.rules.
func (c Config) validateSLATerms(p *problems) {
	s := c.SLA
	validateWarnAt(p, "sla.warn_at", s.WarnAt)
	validatePredict(p, s.Predict)
	c.knownCalendar(p, "sla.calendar", s.Calendar)
	names := map[string]int{}
	for i, r := range s.Rules {
		key := fmt.Sprintf("sla.rules[%d]", i)
		switch prev, dup := names[r.Name]; {
		case r.Name == "":
			p.add(key+".name", "must be set: the rule's name is kept in each order's state (sla_rule)")
		case r.Name == order.DefaultRule:
			p.add(key+".name", "%q is reserved for orders no rule matches", order.DefaultRule)
		case dup:
			p.add(key+".name", "duplicate rule name %q (also sla.rules[%d])", r.Name, prev)
		default:
			names[r.Name] = i
		}
		if r.Match == (Match{}) {
			p.add(key+".match", "must set at least one of tenant_id, item_category, service_level")
		}
		p.atLeast(key+".processing", r.Processing, 0)
		p.atLeast(key+".shipping", r.Shipping, 0)
		p.atLeast(key+".delivery", r.Delivery, 0)
		c.knownCalendar(p, key+".calendar", r.Calendar)
		validateWarnAt(p, key+".warn_at", r.WarnAt)
	}
}

// validateWarnAt checks that each fraction is in (0, 1) and appears once,
// in ascending order.
func validateWarnAt(p *problems, key string, fs []float64) {
	for i, f := range fs {
		switch {
		case !(f > 0 && f < 1):
			p.add(fmt.Sprintf("%s[%d]", key, i), "must be a fraction between 0 and 1 such as 0.75 (got %v)", f)
		case i > 0 && f <= fs[i-1]:
			p.add(fmt.Sprintf("%s[%d]", key, i), "must be greater than the fraction before it (%v), in ascending order (got %v)", fs[i-1], f)
		}
	}
}

// validatePredict checks sla.predict: a threshold in (0, 1), min_samples
// at least 1, and by naming known segment fields, each once.
func validatePredict(p *problems, pr Predict) {
	if !(pr.Threshold > 0 && pr.Threshold < 1) {
		p.add("sla.predict.threshold", "must be a probability between 0 and 1 such as 0.8 (got %v)", pr.Threshold)
	}
	if pr.MinSamples < 1 {
		p.add("sla.predict.min_samples", "must be at least 1 (got %d)", pr.MinSamples)
	}
	for i, f := range pr.By {
		key := fmt.Sprintf("sla.predict.by[%d]", i)
		switch {
		case !order.ValidSegmentField(f):
			p.add(key, "unknown segment key %q (use any of %s)", f, strings.Join(order.SegmentFields, ", "))
		case slices.Index(pr.By, f) < i:
			p.add(key, "duplicate segment key %q", f)
		}
	}
}

// knownCalendar checks that a calendar name is "" or one of calendars.
func (c Config) knownCalendar(p *problems, key, name string) {
	if name == "" {
		return
	}
	if _, ok := c.Calendars[name]; !ok {
		known := "none is configured"
		if len(c.Calendars) > 0 {
			known = "configured: " + strings.Join(slices.Sorted(maps.Keys(c.Calendars)), ", ")
		}
		p.add(key, "unknown calendar %q (%s under calendars)", name, known)
	}
}

// validateCalendars compiles every calendar; each problem names its key.
func (c Config) validateCalendars(p *problems) {
	for _, name := range slices.Sorted(maps.Keys(c.Calendars)) {
		if name == "" || strings.ContainsAny(name, ". ") {
			p.add("calendars."+name, "a calendar name must be one word without dots or spaces")
			continue
		}
		if _, err := c.Calendars[name].Compile(name); err != nil {
			*p = append(*p, err)
		}
	}
}
