package risk_test

import (
	"fmt"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order/risk"
)

// A stage with a one-hour SLA: history says 90 of 100 orders took 10 to 30
// minutes and 10 took two hours. A new order is warned once its risk of
// missing the hour reaches 0.8.
func ExampleCurve_Crossing() {
	var h risk.Histogram
	for i := range 90 {
		h.Add(10*time.Minute + time.Duration(i)*20*time.Minute/90)
	}
	for range 10 {
		h.Add(2 * time.Hour)
	}
	c := h.Curve()
	fmt.Printf("at the start: risk %.2f\n", c.Risk(time.Hour, 0))
	e, ok := c.Crossing(time.Hour, 0.8)
	fmt.Println("warn after", e.Round(time.Second), ok)
	fmt.Printf("then: risk %.2f\n", c.Risk(time.Hour, e))
	// Output:
	// at the start: risk 0.10
	// warn after 29m17s true
	// then: risk 0.80
}
