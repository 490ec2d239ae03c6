// Package feed publishes generated events (package generator) to the
// input subjects: Demo is run's real-time demo feed, Publish the paced or
// full-speed loop of 'ordertrack generate', PublishLines the JSON lines of
// 'ordertrack publish', and Tally counts what was emitted for the
// command's closing summary. The generator decides what to publish and
// when; this package does the publishing.
//
//	generator.Next() -> Msg(topo, g, em) -> ORDER_EVENTS (<prefix>.events.<partition>)
package feed
