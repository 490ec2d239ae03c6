package order

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

// checkEncoding fails unless AppendJSON writes exactly what json.Marshal does.
func checkEncoding(t *testing.T, v interface{ AppendJSON([]byte) []byte }) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.AppendJSON([]byte("prefix")); !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
		t.Errorf("AppendJSON\n got  %s\n want %s", got, want)
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2024, 1, 15, 10, 30, 0, 123456789, time.UTC)
	zone := time.FixedZone("x", -5*3600)
	states := []State{
		NewState("ORD-1"),
		{OrderID: "ORD-1"}, // nil breaches: null
		{
			OrderID: "ORD-2", Status: StageShipped, PlacedAt: &at, ProcessingAt: ptr(at.In(zone)), ShippedAt: ptr(at.Add(time.Hour)),
			Breaches: []SLA{SLAProcessing, SLADelivery}, CustomerID: "CUST-9", ItemName: `Blue "Jeans" <b>&\u2028é`,
			ItemCategory: "Pants\n", Quantity: -3, Price: 79.99, TenantID: "t1", UpdatedAt: at,
			Arrived:  arrivals(map[Stage]time.Time{StageShipped: at, StageOrder: at.Add(-time.Hour), StageProcessing: at.Add(time.Minute)}),
			Rejected: []Stage{StageDelivered}, EventIDs: []string{"e1", "e\x00\xff"},
		},
		{OrderID: "ORD-3", Status: StageCancelled, CancelledAt: &at, DeliveredAt: &at, Breaches: []SLA{}, Retracted: []SLA{SLAShipping}, Price: 1e-7, Quantity: 1000000},
		{OrderID: "ORD-4", Price: 1e21, UpdatedAt: time.Time{}},
		{OrderID: "ORD-5", Price: 123456789.125, EventIDs: []string{}},
		{OrderID: "ORD-6", Price: math.SmallestNonzeroFloat64},
		{OrderID: "ORD-7", Breaches: []SLA{SLADelivery}, Retracted: []SLA{SLAProcessing}, SLARule: "acme-express", ServiceLevel: "express",
			Warnings: []Warning{{SLAProcessing, 0.5, false}, {SLADelivery, 0.75, true}, {SLAShipping, 1e-7, false}}},
		{OrderID: "ORD-8", Predictions: []Prediction{{SLA: SLAProcessing, At: at, Sent: true}, {SLA: SLAShipping, At: at.In(zone)},
			{SLA: SLADelivery, At: at.Add(time.Hour), Missed: true}}},
	}
	for _, s := range states {
		checkEncoding(t, s)
	}
	updates := []Update{
		{},
		{OrderID: "ORD-1", Type: UpdateConfirmed, Status: StageOrder, Message: "Order ORD-1 confirmed", EventTime: at, EmittedAt: at.In(zone)},
		{
			OrderID: "ORD-1", Type: UpdateBreach, Status: StageProcessing, Message: "SLA BREACH: Order ORD-1 not shipped within 3d - Item: <x>",
			SLABreach: true, SLA: SLAShipping, Deadline: &at, EventTime: at, EmittedAt: at, CustomerID: "C", ItemName: "Ünïcode",
			TenantID: "t", Late: true, Key: "shipping",
		},
		{OrderID: "ORD-1", Type: UpdateAtRisk, SLA: SLAProcessing, Deadline: &at, Rule: "r", Threshold: 0.75, RemainingSeconds: 21600.125},
		{OrderID: "ORD-1", Type: UpdateAtRisk, SLA: SLAShipping, Deadline: &at, Rule: "r", Reason: ReasonPredicted, Probability: 0.8312,
			Threshold: 0.8, RemainingSeconds: 12.5, Key: "shipping:predicted"},
		{OrderID: "ORD-1", Type: UpdateRetracted, SLA: SLAProcessing, Deadline: &at, Rule: "default", RemainingSeconds: 1e-7},
	}
	for _, u := range updates {
		checkEncoding(t, u)
	}
}

func ptr[T any](v T) *T { return &v }
