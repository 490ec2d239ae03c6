// Package risk is the learned-risk model of SPEC section 17, pure: how long
// an SLA's stage takes (a Histogram of durations), its survival function
// S(t) = P(T > t) (a Curve), the risk that a pending SLA will be missed and
// the one instant that risk reaches a threshold. It has no NATS import and
// no clock; durations are passed in, counted as the SLA's deadline counts
// them (open hours under a calendar).
//
// # How it is used
//
// The engine keeps one Histogram per segment and SLA (the key is the
// caller's: the SLA and the values of sla.predict.by). Each committed stage
// that was reached, in time or late, adds its duration; cancelled orders add
// nothing. An instance's new samples are batched in a Histogram of their own
// per segment and merged into the stored one (MarshalBinary and
// UnmarshalBinary, one KV value per segment and SLA, written with
// compare-and-set: pipeline/learn.go), so every instance reads the same
// model. Every instance builds a Curve from the
// merged histogram; when an SLA starts and its segment holds min_samples,
//
//	e, ok := curve.Crossing(deadline, threshold)
//
// gives the elapsed time at which P(T > deadline | T > e) = S(deadline)/S(e)
// (Risk) first reaches the threshold, and the engine lists one check at
// start+e. When it fires, the model then in force judges again: Risk at the
// elapsed time, or a new Crossing.
//
//	stage durations -> Histogram.Add -> Histogram.Merge (batch into stored)
//	Histogram -> MarshalBinary -> KV value -> UnmarshalBinary -> Histogram
//	Histogram.Curve -> Crossing(D, threshold) -> one check per SLA
//	fired check -> Risk(D, elapsed) -> warn (probability) or a new Crossing
//
// # Why a log-bucketed histogram
//
// The model must merge exactly (instances and partitions add their samples
// in any order and must agree), stay bounded, and answer S at a deadline
// that may lie far in the tail. A histogram with buckets growing by
// 2^(1/16) from 1 ms to 2^36 ms (795 days, past the 400 days a stage may
// reasonably take) does all three: merging adds counts bucket by bucket, so
// it is exact, associative and commutative; it is 577 uint64 counts (4,624
// bytes in memory; stored, 3 bytes and 2 to 4 per non-empty bucket while
// counts stay below 2 million, never more than MaxEncodedLen, 6,927); and S
// is exact at every bucket bound however deep in
// the tail, because it counts the samples above it. A t-digest is smaller
// for the same quantile accuracy but its merge depends on the order of
// merges (so two instances could hold different models from the same
// samples) and its accuracy is in rank, best at the extreme quantiles,
// whereas risk needs S at given instants.
//
// The error is the bucket width, the same relative error everywhere,
// tails included: a bucket spans 4.43% of its lower bound, so an instant
// read from the curve (a crossing, a quantile) lies in the bucket the
// samples put it in, at most 4.43% of its value away (at most 64 minutes on
// a 24-hour SLA, 27 seconds on 10 minutes). S itself is exact at bucket
// bounds and, in between, off by at most the share of samples in that one
// bucket; within a bucket the samples are taken as spread evenly. For a
// smooth distribution the interpolation does much better than the bound:
// on exponential and log-normal stage times the crossing is 0.003 to 0.05%
// off the analytic one when the buckets hold the exact masses; from 200,000
// samples the sampling error dominates (up to 0.7%), still within a bucket.
package risk
