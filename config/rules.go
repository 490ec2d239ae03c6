package config

import "github.com/ordertrack/ordertrack/pipeline/order"

// Rules returns the SLA rules of a validated configuration: the
// defaults, grace, warn_at and calendar of sla.*, and sla.rules with their
// calendars compiled from calendars.*. A calendar that does not compile
// (impossible once Validate passed) counts round the clock.
func (c Config) Rules() order.Rules {
	s := c.SLA
	cals := map[string]*order.Calendar{}
	for name, def := range c.Calendars {
		if cal, err := def.Compile(name); err == nil {
			cals[name] = cal
		}
	}
	r := order.Rules{
		Processing: s.Processing, Shipping: s.Shipping, Delivery: s.Delivery,
		Clock: order.Clock(s.Clock), Grace: s.Grace, WarnAt: s.WarnAt, Calendar: cals[s.Calendar],
		Predict: order.Predict(s.Predict),
	}
	for _, x := range s.Rules {
		r.Segments = append(r.Segments, order.Rule{
			Name: x.Name, Match: order.Match(x.Match),
			Processing: x.Processing, Shipping: x.Shipping, Delivery: x.Delivery,
			Calendar: cals[x.Calendar], WarnAt: x.WarnAt,
		})
	}
	return r
}
