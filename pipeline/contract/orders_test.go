package contract

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// TestEncodeRecordMatchesEncodingJSON checks the hand-written KV value
// encoding against json.Marshal of the Record type that DecodeRecord reads.
func TestEncodeRecordMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 1, 15, 10, 30, 0, 5, time.UTC)
	s := order.State{OrderID: "ORD-1", Status: order.StageProcessing, PlacedAt: &at, Breaches: []order.SLA{order.SLAProcessing},
		ItemName: "Socks & <Shoes>", Quantity: 2, Price: 9.5, UpdatedAt: at, EventIDs: []string{"e1"}}
	us := []order.Update{
		{OrderID: "ORD-1", Type: order.UpdateProcessing, Status: order.StageProcessing, Message: "m", EventTime: at, EmittedAt: at, Key: "processing"},
		{OrderID: "ORD-1", Type: order.UpdateBreach, Status: order.StageProcessing, Message: "b", SLABreach: true, SLA: order.SLAProcessing,
			Deadline: &at, EventTime: at, EmittedAt: at, Late: true, Key: "processing"},
	}
	for _, c := range []struct {
		updates []order.Update
	}{{nil}, {us[:1]}, {us}} {
		got, err := EncodeRecord(s, c.updates, at)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(Record{State: s, Outbox: &Outbox{At: at, Updates: toKeyed(c.updates)}})
		if !bytes.Equal(got, want) {
			t.Errorf("EncodeRecord\n got  %s\n want %s", got, want)
		}
		r, err := DecodeRecord(got)
		if err != nil || len(r.Outbox.Updates) != len(c.updates) {
			t.Errorf("DecodeRecord(%s) = %+v, %v", got, r, err)
		}
	}
}
