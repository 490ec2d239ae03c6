package order_test

import (
	"fmt"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Decode a message, apply it to the order's state, and check a fired SLA
// timer: processing started, but the item was not shipped within 3 days.
func Example() {
	rules := order.DefaultRules()
	s := order.NewState("ORD-001234")
	for _, m := range []struct {
		data    string
		arrived time.Time // when JetStream stored the message
	}{
		{`{"event_id":"e-1","order_id":"ORD-001234","customer_id":"CUST-5678","event_type":"ORDER_PLACED",
		  "item_name":"Blue Jeans","quantity":2,"price":79.99,"timestamp":"2024-01-01T10:00:00Z"}`,
			time.Date(2024, 1, 1, 10, 0, 1, 0, time.UTC)},
		{`{"event_id":"e-2","order_id":"ORD-001234","event_type":"PROCESSING_STARTED","timestamp":"2024-01-01T12:00:00Z"}`,
			time.Date(2024, 1, 1, 12, 0, 1, 0, time.UTC)},
	} {
		e, err := order.Decode([]byte(m.data), "ORD-001234", m.arrived, time.Minute)
		if err != nil {
			fmt.Println("dead letter:", err)
			continue
		}
		var updates []order.Update
		s, updates = order.Apply(s, e, rules, m.arrived)
		for _, u := range updates {
			fmt.Println(u.Type, u.Status, u.Message)
		}
	}
	for _, d := range rules.Pending(s) {
		fmt.Println("timer", d.SLA, d.At.Format(time.RFC3339))
	}

	_, updates := order.Check(s, rules, time.Date(2024, 1, 4, 12, 0, 0, 0, time.UTC))
	for _, u := range updates {
		fmt.Println(u.Type, u.Status, u.Message)
	}

	_, err := order.Decode([]byte(`{"order_id":"ORD-9","event_type":"ORDER_PLACED"}`), "ORD-001234", time.Now(), time.Minute)
	fmt.Println("dead letter:", err.(*order.InvalidError).Reason)
	// Output:
	// ORDER_CONFIRMED ORDER Order placed for Blue Jeans (qty 2)
	// PROCESSING_STARTED PROCESSING Processing started for Blue Jeans
	// timer shipping 2024-01-04T12:00:00Z
	// timer delivery 2024-01-08T10:00:00Z
	// SLA_BREACH PROCESSING SLA BREACH: Order ORD-001234 not shipped within 3d - Item: Blue Jeans
	// dead letter: subject_mismatch
}
