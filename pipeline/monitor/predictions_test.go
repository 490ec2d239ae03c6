package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// publishWarning writes an SLA_AT_RISK record to ORDER_UPDATES as the
// engine sends it: reason "predicted", or "" for a warn_at one.
func (e *env) publishWarning(t *testing.T, id string, sla order.SLA, reason string, lead float64) {
	t.Helper()
	m := nats.NewMsg(testTopo.WarningSubject(sla, id))
	m.Data = fmt.Appendf(nil, `{"order_id":%q,"event_type":"SLA_AT_RISK","status":"ORDER","message":"SLA AT RISK","sla_breach":false,"sla":%q,"reason":%q,"probability":0.9,"threshold":0.8,"remaining_seconds":%g}`,
		id, sla, reason, lead)
	if _, err := e.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// TestAPIPredictions: /api/predictions scores the predicted warnings of
// the SLAs that ended per segment of sla.predict.by (here tenant_id), as
// report --predictions does: C's processing breach foretold, A's met
// processing a false alarm, B cancelled and counted nowhere.
func TestAPIPredictions(t *testing.T) {
	t.Parallel()
	e := setup(t, withConfig(func(c *config.Config) { c.SLA.Predict.By = []string{"tenant_id"} }))
	e.sendKnown(t)
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		var st monitor.Status
		if code := pipelinetest.GetJSON(t, e.base+"/api/status", "", &st); code != http.StatusOK || st.Breaches["processing"] != 1 || st.Processed != 5 {
			return fmt.Errorf("/api/status %d: breaches %v, processed %d; want C's processing breach of 5 events", code, st.Breaches, st.Processed)
		}
		return nil
	})
	e.publishWarning(t, "C", order.SLAProcessing, "predicted", 0.5)
	e.publishWarning(t, "A", order.SLAProcessing, "predicted", 0.7)
	e.publishWarning(t, "B", order.SLAProcessing, "predicted", 0.9)
	e.publishWarning(t, "C", order.SLAProcessing, "", 0.6)

	var got monitor.PredictionsView
	if code := pipelinetest.GetJSON(t, e.base+"/api/predictions", "", &got); code != http.StatusOK {
		t.Fatalf("/api/predictions: %d", code)
	}
	want := []order.PredictionRow{{SLA: order.SLAProcessing, Segment: "tenant_id=acme",
		WarningScore: order.WarningScore{WarnedBreached: 1, WarnedMet: 1, Precision: 0.5, Recall: 1, MedianLeadSeconds: 0.5},
		WarnAt:       order.WarningScore{WarnedBreached: 1, Precision: 1, Recall: 1, MedianLeadSeconds: 0.6}}}
	total := want[0]
	total.Segment = order.AllSegments
	if got.ComputedAt.IsZero() || !reflect.DeepEqual(got.By, []string{"tenant_id"}) || !reflect.DeepEqual(got.Rows, want) ||
		!reflect.DeepEqual(got.Totals, []order.PredictionRow{total}) {
		t.Fatalf("/api/predictions: %+v\nwant rows %+v", got, want)
	}
}
