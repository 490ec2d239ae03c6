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
//   - Get, ParseMetrics, MetricValue: the monitor's HTTP endpoints;
//   - WaitTimeout: how long to wait for what should happen, longer under
//     CI and the race detector;
//   - Buffer: an io.Writer the code under test and the test share;
//   - Occupy, UnusedAddr: a port certainly taken, an address nobody
//     listens on (a server that should listen gets port 0 and says which
//     port it bound: no port is closed and reopened).
//
// It is imported by tests only.
package pipelinetest
