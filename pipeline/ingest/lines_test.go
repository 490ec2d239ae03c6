package ingest

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestPublishMatchesFieldNamesExactly routes lines by the member named
// exactly order_id (SPEC 3): {"Order_Id":...} is no order id, so the line is
// skipped instead of being published to orders.events.NC-0007 and
// dead-lettered as missing_order_id.
func TestPublishMatchesFieldNamesExactly(t *testing.T) {
	lines := strings.Join([]string{
		`{"Order_Id":"NC-0007","event_type":"ORDER_PLACED"}`,
		`{"ORDER_ID":"NC-0008","event_type":"ORDER_PLACED"}`,
		`{"order_id":"A-1","Order_ID":"B-1","event_type":"ORDER_PLACED"}`,
		`{"Order_ID":"B-2","order_id":"A-2","Event_Id":"wrong","event_id":"e-2","event_type":"ORDER_PLACED"}`,
		`{"order_id":"A-3","EVENT_ID":"wrong","event_type":"ORDER_PLACED"}`,
	}, "\n")
	type pub struct{ id, eventID string }
	var got []pub
	var errs bytes.Buffer
	n, bad, err := PublishLines(context.Background(), strings.NewReader(lines),
		func(_ context.Context, id, eventID string, _ []byte) error {
			got = append(got, pub{id, eventID})
			return nil
		}, &errs)
	if err != nil {
		t.Fatal(err)
	}
	want := []pub{{"A-1", ""}, {"A-2", "e-2"}, {"A-3", ""}}
	if n != 3 || bad != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("published %d %+v, skipped %d; want 3 %+v, skipped 2", n, got, bad, want)
	}
	for _, l := range []string{"line 1:", "line 2:"} {
		if !strings.Contains(errs.String(), l) {
			t.Errorf("stderr %q does not report %s", errs.String(), l)
		}
	}
}
