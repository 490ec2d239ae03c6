package config

// Resolve returns the configuration in force, the one every command uses:
// when DemoSLA holds, sla.processing, sla.shipping, sla.delivery and
// sla.clock are those of DemoSLAs (the demo generator's events are placed in
// event time), and unless c has its own, the demo's warnings, rules and
// calendar (demoTerms); every other key is c's. Resolve is idempotent, so a resolved
// configuration may be resolved again.
func (c Config) Resolve() Config {
	if c.DemoSLA() {
		demo := DemoSLAs()
		c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery = demo.Processing, demo.Shipping, demo.Delivery
		c.SLA.Clock = demo.Clock
		demoTerms(&c)
	}
	return c
}

// DemoReplaces reports whether Resolve replaces SLA durations or the clock
// that c sets otherwise: the demo SLAs apply and differ from c's.
func (c Config) DemoReplaces() bool {
	r, s := c.Resolve().SLA, c.SLA
	return c.DemoSLA() && (r.Processing != s.Processing || r.Shipping != s.Shipping || r.Delivery != s.Delivery || r.Clock != s.Clock)
}
