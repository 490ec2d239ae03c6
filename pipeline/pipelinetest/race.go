//go:build race

package pipelinetest

// raceEnabled tells WaitTimeout that the race detector slows this run.
const raceEnabled = true
