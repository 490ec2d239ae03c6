package config

import (
	"fmt"
	"strings"
	"time"
)

// DemoCalendar is the calendar of the demo rule "globex-shifts": open round
// the clock in Asia/Tokyo except the last minute of every ten (x9:00 to
// x0:00), so that an SLA started just before such a minute falls due a
// minute later than round the clock would say.
const DemoCalendar = "demo-shifts"

// DemoWarnAt are the demo's warning thresholds.
var DemoWarnAt = []float64{0.5, 0.75}

// demoTerms adds the demo's warnings, rules and calendar to c unless c has
// warnings, rules or calendars of its own: acme express orders get shorter
// SLAs and warnings at 50% and 90%, globex orders count their SLAs on the
// demo calendar, every other order warns at 50% and 75%.
func demoTerms(c *Config) {
	if len(c.SLA.WarnAt) > 0 || len(c.SLA.Rules) > 0 || len(c.Calendars) > 0 {
		return
	}
	c.SLA.WarnAt = DemoWarnAt
	c.SLA.Rules = []Rule{
		{Name: "acme-express", Match: Match{TenantID: "acme", ServiceLevel: "express"},
			Processing: 5 * time.Second, Shipping: 8 * time.Second, Delivery: 20 * time.Second, WarnAt: []float64{0.5, 0.9}},
		{Name: "globex-shifts", Match: Match{TenantID: "globex"}, Calendar: DemoCalendar},
	}
	c.Calendars = map[string]Calendar{DemoCalendar: demoCalendar()}
}

// demoCalendar is DemoCalendar's definition.
func demoCalendar() Calendar {
	var spans []string
	for h := range 24 {
		for m := 0; m < 60; m += 10 {
			spans = append(spans, fmt.Sprintf("%02d:%02d-%02d:%02d", h, m, h, m+9))
		}
	}
	day := strings.Join(spans, ",")
	hours := map[string]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		hours[d] = day
	}
	return Calendar{Timezone: "Asia/Tokyo", Hours: hours}
}
