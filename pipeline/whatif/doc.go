// Package whatif replays recorded input events through the pure order
// lifecycle under two SLA configurations and compares the outcomes
// (SPEC section 12, `ordertrack whatif`). It publishes nothing; Report
// shows the comparison as text or JSON.
//
// Events flow as
//
//	Input (raw bytes, subject order id, stored time)
//	  -> shard by order id (one goroutine per core)
//	  -> order.Decode once -> for base and new: order.Check at each check
//	     instant before the event (order.Rules.NextCheck, earliest first:
//	     the timers that would have fired first), then order.Apply
//	  -> at the end, the same up to the run's time, and order.OutcomeOf
//	     per SLA -> rows per group and SLA, and the orders that changed.
//
// Only per-order state is kept, so memory grows with the number of orders
// in the replayed range, not with the number of events. A configuration
// that predicts (sla.predict.enabled, SPEC section 17) is the exception:
// the replay keeps the decoded events and what each teaches the
// learned-risk model (order.Rules.Samples, stored time), then lives that
// configuration's orders a second time with the model each instant would
// have held (model.go), counting its predicted warnings.
package whatif
