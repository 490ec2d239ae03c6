package notify

import (
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// SampleAlert is the alert `notify test` sends: a processing breach of
// order ORD-TEST-0001 whose deadline just passed.
func SampleAlert(now time.Time) Alert {
	now = now.UTC()
	deadline := now.Add(-time.Second)
	u := order.Update{
		OrderID: "ORD-TEST-0001", Type: order.UpdateBreach, Status: order.StageOrder, SLABreach: true,
		SLA: order.SLAProcessing, Deadline: &deadline, EventTime: deadline, EmittedAt: now,
		CustomerID: "CUST-TEST", ItemName: "Blue Jeans", TenantID: "test", Key: string(order.SLAProcessing),
		Message: "SLA BREACH: Order ORD-TEST-0001 not processed within 24h - Item: Blue Jeans (ordertrack notify test)",
	}
	data := u.AppendJSON(nil)
	a, _ := ParseAlert(data)
	a.ID = "notify-test:" + now.Format("20060102T150405.000Z")
	return a
}
