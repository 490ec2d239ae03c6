package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Predictions scores the warnings of the stored orders placed since since
// (zero: all) per SLA and segment of by (sla.predict.by): each SLA_AT_RISK
// on ORDER_UPDATES is matched with its order's outcome in ORDERS. The
// predicted warnings (reason "predicted") are scored, the sla.warn_at ones
// beside them. It is report --predictions and /api/predictions.
//
// Once ORDER_UPDATES has dropped outputs (retention.updates), orders
// placed before the oldest output it still holds are left out (since
// moves up to it): their warnings may be gone, and would count as
// breaches missed.
func Predictions(ctx context.Context, js jetstream.JetStream, topo contract.Topology, by []string, since time.Time) (order.Predictions, error) {
	s, err := js.Stream(ctx, contract.UpdatesStream)
	if err != nil {
		return order.Predictions{}, fmt.Errorf("stream %s: %w (has the pipeline run? start it with 'ordertrack run')", contract.UpdatesStream, err)
	}
	if st := s.CachedInfo().State; st.FirstSeq > 1 && st.FirstTime.After(since) {
		since = st.FirstTime.Truncate(time.Millisecond)
	}
	warned, err := readWarnings(ctx, js, topo, s.CachedInfo().State.LastSeq)
	if err != nil {
		return order.Predictions{}, err
	}
	tally := order.NewPredictionTally(by, since)
	err = contract.ScanOrders(ctx, js, func(st order.State, ok bool) {
		if ok {
			tally.Add(st, warned[st.OrderID])
		}
	})
	if err != nil {
		return order.Predictions{}, err
	}
	return tally.Result(), nil
}

// warningRecord is what Predictions reads of an SLA_AT_RISK output.
type warningRecord struct {
	OrderID          string    `json:"order_id"`
	SLA              order.SLA `json:"sla"`
	Reason           string    `json:"reason"`
	RemainingSeconds float64   `json:"remaining_seconds"`
}

// readWarnings reads every at-risk warning of ORDER_UPDATES up to sequence
// last, per order: the first of each SLA and kind (predicted or warn_at)
// with its lead time.
func readWarnings(ctx context.Context, js jetstream.JetStream, topo contract.Topology, last uint64) (map[string]order.OrderWarnings, error) {
	out := map[string]order.OrderWarnings{}
	if last == 0 {
		return out, nil
	}
	c, err := js.OrderedConsumer(ctx, contract.UpdatesStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{topo.WarningsWildcard()},
	})
	if err != nil {
		return nil, fmt.Errorf("read warnings of %s: %w", contract.UpdatesStream, err)
	}
	defer func() { _ = contract.RemoveConsumer(ctx, js, contract.UpdatesStream, c) }()
	info, err := c.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("read warnings of %s: %w", contract.UpdatesStream, err)
	}
	if info.NumPending == 0 {
		return out, nil
	}
	it, err := c.Messages(jetstream.PullMaxMessages(4096))
	if err != nil {
		return nil, fmt.Errorf("read warnings of %s: %w", contract.UpdatesStream, err)
	}
	defer it.Stop()
	for left := info.NumPending; left > 0; left-- {
		m, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("read warnings of %s: %w", contract.UpdatesStream, err)
		}
		if md, err := m.Metadata(); err == nil && md.Sequence.Stream > last {
			break
		}
		noteWarning(out, m.Data())
	}
	return out, nil
}

// noteWarning records one warning's record in out; a record that does not
// decode or names no SLA is skipped.
func noteWarning(out map[string]order.OrderWarnings, data []byte) {
	var r warningRecord
	if json.Unmarshal(data, &r) != nil || r.OrderID == "" || !slices.Contains(order.SLAs, r.SLA) {
		return
	}
	i := slaIndex(r.SLA)
	w := out[r.OrderID]
	lead := time.Duration(r.RemainingSeconds * float64(time.Second)).Round(time.Millisecond)
	if r.Reason == order.ReasonPredicted { // sla.warn_at's warnings carry no reason
		w.Predicted[i].Note(lead)
	} else {
		w.WarnAt[i].Note(lead)
	}
	out[r.OrderID] = w
}

// PredictionsEvery is how long /api/predictions serves one computation of
// Predictions: it reads every warning and every order once, so the page's
// polls share it rather than each repeating it.
const PredictionsEvery = 10 * time.Second

// PredictionsView is the body of /api/predictions: Predictions of every
// stored order under the sla.predict.by in force, and when it was
// computed.
type PredictionsView struct {
	order.Predictions
	ComputedAt time.Time `json:"computed_at"`
}

// predictionCache holds the last PredictionsView; one computation runs at
// a time and requests meanwhile wait for it.
type predictionCache struct {
	mu   sync.Mutex
	last PredictionsView
	ok   bool
}

// get returns the view, computed again when it is older than
// PredictionsEvery or sla.predict.by changed.
func (c *predictionCache) get(ctx context.Context, now time.Time, compute func(context.Context, []string) (order.Predictions, error), by []string) (PredictionsView, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && now.Sub(c.last.ComputedAt) < PredictionsEvery && slices.Equal(c.last.By, by) {
		return c.last, nil
	}
	p, err := compute(ctx, by)
	if err != nil {
		return PredictionsView{}, err
	}
	c.last, c.ok = PredictionsView{Predictions: p, ComputedAt: now}, true
	return c.last, nil
}
