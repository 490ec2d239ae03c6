package bench

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/whatif"
)

// replayTarget is the replay speed whatif aims at on this machine.
const replayTarget = 200_000

// benchReplay measures what `ordertrack whatif` replays per second: the
// sample scenario's events (spread over the stream, as on a real day) are
// stored in ORDER_EVENTS, then read back in stored order by an ordered
// consumer and replayed under the configuration and one whose SLAs are
// half as long, as the command does. The time runs from the first read to
// the judged result; nothing is written.
func (r *benchRun) benchReplay(ctx context.Context) error {
	e, err := r.env(ctx, r.cfg)
	if err != nil {
		return err
	}
	defer e.close()
	base := r.cfg.Rules()
	// Event times well in the past, so that every event is valid on arrival.
	evs, err := sampleEvents(e, r.opts.Events, time.Now().Add(-2*(base.Delivery+time.Hour)), 50_000, 1)
	if err != nil {
		return err
	}
	for _, ev := range spread(evs) {
		if err := e.load.publish(ev.subject, ev.data, ev.msgID); err != nil {
			return err
		}
	}
	if err := e.load.wait(2 * time.Minute); err != nil {
		return err
	}
	next := base
	next.Processing, next.Shipping, next.Delivery = base.Processing/2, base.Shipping/2, base.Delivery/2
	defer debug.SetGCPercent(debug.SetGCPercent(whatif.GCPercent))
	rp := whatif.New(whatif.Options{Base: base, New: next, MaxSkew: r.cfg.SLA.MaxClockSkew})
	begin := time.Now()
	if err := whatif.ReadStream(ctx, e.pipeJS, contract.EventsStream, time.Time{}, rp, nil); err != nil {
		rp.Finish()
		return err
	}
	res := rp.Finish()
	took := time.Since(begin)
	if res.Events != len(evs) || res.Invalid != 0 {
		return fmt.Errorf("replayed %d events (%d invalid), want %d valid", res.Events, res.Invalid, len(evs))
	}
	r.report.atLeast("replay", "whatif replay from ORDER_EVENTS", perSecond(res.Events, took), "events/s", replayTarget).Note =
		fmt.Sprintf("%d events of %d orders, both configurations", res.Events, res.Orders())
	return nil
}
