package kafka

import (
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordertrack/ordertrack/pipeline/ownership"
)

// States of a source in Status.State.
const (
	StateStarting = "starting"
	StateRunning  = "running"
	// StatePaused: NATS cannot store; fetching is paused until it can.
	StatePaused  = "paused"
	StateStopped = "stopped"
)

// Status is what status and /api/status show of the source.
type Status = ownership.Source

// PartitionStatus is one Kafka partition this instance owns.
type PartitionStatus = ownership.SourcePartition

// Status returns a snapshot of the source's state.
func (s *Source) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Topics = slices.Clone(st.Topics)
	st.Partitions = slices.Clone(st.Partitions)
	return st
}

// Stalled reports why the source cannot make progress, or "": it is
// paused (NATS cannot store) or failing for longer than after.
func (s *Source) Stalled(after time.Duration) string {
	st := s.Status()
	if (st.State == StatePaused || st.Error != "") && time.Since(st.Since) > after {
		return "kafka source " + st.State + " since " + st.Since.Format(time.RFC3339) + ": " + st.Error
	}
	return ""
}

func (s *Source) setState(state, errText string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status.State != state || (s.status.Error == "") != (errText == "") {
		s.status.Since = time.Now()
	}
	s.status.State, s.status.Error = state, errText
}

// partitionStatus returns p's entry, added when missing; s.mu is held.
func (s *Source) partitionStatus(p partition) *PartitionStatus {
	for i := range s.status.Partitions {
		if ps := &s.status.Partitions[i]; ps.Topic == p.topic && ps.Partition == p.id {
			return ps
		}
	}
	s.status.Partitions = append(s.status.Partitions, PartitionStatus{Topic: p.topic, Partition: p.id, Committed: -1, Lag: -1})
	slices.SortFunc(s.status.Partitions, func(a, b PartitionStatus) int {
		if a.Topic != b.Topic {
			return compare(a.Topic, b.Topic)
		}
		return int(a.Partition - b.Partition)
	})
	return s.partitionStatus(p)
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// dropPartition removes p's entry; s.mu is held.
func (s *Source) dropPartition(p partition) {
	s.status.Partitions = slices.DeleteFunc(s.status.Partitions, func(ps PartitionStatus) bool {
		return ps.Topic == p.topic && ps.Partition == p.id
	})
}

func (s *Source) setLag(p partition, lag int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partitionStatus(p).Lag = max(lag, 0)
}

// setCommitted notes p's committed offset; s.mu is held.
func (s *Source) setCommitted(p partition, next int64) {
	s.partitionStatus(p).Committed = next
}

// lagDesc is ordertrack_ingest_kafka_lag.
var lagDesc = prometheus.NewDesc("ordertrack_ingest_kafka_lag",
	"Records behind the end of a Kafka partition this instance owns, at its last fetch.", []string{"topic", "partition"}, nil)

// Describe implements prometheus.Collector: the lag of the owned
// partitions.
func (s *Source) Describe(ch chan<- *prometheus.Desc) { ch <- lagDesc }

// Collect implements prometheus.Collector.
func (s *Source) Collect(ch chan<- prometheus.Metric) {
	for _, p := range s.Status().Partitions {
		if p.Lag >= 0 {
			ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(p.Lag), p.Topic, strconv.Itoa(int(p.Partition)))
		}
	}
}

// faultLog logs a fault once per burst: the first occurrence, then
// nothing until it recovers (or a minute passes, with the count).
type faultLog struct {
	mu     sync.Mutex
	active bool
	count  int
	last   time.Time
}

func (f *faultLog) note(log *slog.Logger, msg string, err error, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count++
	if f.active && time.Since(f.last) < time.Minute {
		return
	}
	f.active, f.last = true, time.Now()
	if err != nil {
		args = append(args, "error", err)
	}
	log.Warn(msg, append(args, "times", f.count)...)
}

func (f *faultLog) recovered(log *slog.Logger, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.active {
		log.Info(msg, "faults", f.count)
	}
	f.active, f.count = false, 0
}
