// Package pipelinetest is the one test kit of the tests that drive
// ordertrack through a real NATS server:
//
//   - RunJetStream: an embedded JetStream server on a random port with a
//     t.TempDir() store and a connected client, stopped when the test
//     ends (Restart, Shutdown and StoreDir for restart and crash tests);
//   - WaitFor: poll a condition with a deadline; the condition returns an
//     error saying what is still missing, and that is the failure message;
//   - ReadStream: every message of a stream through an ordered consumer;
//   - Lifecycle, LifecycleEvent: the four-event plan of order i of a run;
//   - PublishAll: publish input that must be stored, across restarts;
//   - Get, ParseMetrics, MetricValue: the monitor's HTTP endpoints.
//
// It is imported by tests only.
package pipelinetest
