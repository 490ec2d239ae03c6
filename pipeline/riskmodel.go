package pipeline

import "github.com/ordertrack/ordertrack/pipeline/order"

// RiskStats is what the learned-risk model has done in this process.
type RiskStats struct {
	Samples   uint64 // samples learned from committed stages
	Merges    uint64 // merge rounds (each writes the keys with new samples)
	Writes    uint64 // compare-and-set writes to the bucket
	Conflicts uint64 // writes that lost against another instance's
	Segments  int    // curves held (SLA and segment keys of the generation)
}

// Risk returns what the learned-risk model has done in this process.
func (p *Pipeline) Risk() RiskStats {
	if p.learner == nil {
		return RiskStats{}
	}
	l := p.learner
	return RiskStats{Samples: l.samples.Load(), Merges: l.merges.Load(), Writes: l.writes.Load(),
		Conflicts: l.conflicts.Load(), Segments: l.segments()}
}

// Model returns the learned-risk model the pipeline predicts with now (the
// curves of the current generation, kept current by the bucket's watch);
// nil without the bucket.
func (p *Pipeline) Model() order.Model {
	if p.learner == nil {
		return nil
	}
	return riskModel{l: p.learner, gen: p.learner.generation()}
}
