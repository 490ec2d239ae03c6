// Package pipelinetest holds helpers shared by the tests that drive
// ordertrack through a real NATS server: polling for a condition,
// publishing input that must be stored, and reading the monitor's HTTP
// endpoints and Prometheus text. It is imported by tests only.
package pipelinetest
