// Package group runs the long-running parts of 'ordertrack run' (the
// monitor, the console, the notifier, the reloader, the pipeline, the demo
// feed) as one group, in the shape of oklog/run: any actor ending stops
// the run, and the actors stop one at a time in the reverse of their start
// order.
package group
