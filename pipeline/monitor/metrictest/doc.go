// Package metrictest reads Prometheus text in tests: it parses a /metrics
// body and looks up one sample by name and labels.
package metrictest
