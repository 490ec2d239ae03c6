// Package bench measures ordertrack on this machine: raw JetStream publish
// and consume rates as a baseline, a NATS-only ceiling of the pipeline's
// work, the pipeline's throughput, publish-to-output latency at an offered
// rate with its breakdown by stage (the pipeline's own trace), how late SLA breaches fire, and memory with many open orders.
//
// Run executes the selected Phases in order. Each phase starts its own
// embedded nats-server in a fresh store under Options.Dir, provisions the
// pipeline's objects, drives load through in-process connections and
// records Metrics (with a target where the project sets one) in a Report.
// A failing phase is recorded in Report.Errors and the next one runs.
// The command line (ordertrack bench) parses the flags into Options and
// prints the Report as a table or JSON.
package bench
