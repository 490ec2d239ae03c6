// Package ingest holds the sources of events: everything that publishes
// input events to the input subjects of ORDER_EVENTS. Demo is run's
// real-time demo feed, Publish the paced or full-speed loop of 'ordertrack
// generate', PublishLines the JSON lines of 'ordertrack publish', and Tally
// counts what was emitted for the command's closing summary. A new source
// (Kafka, HTTP) goes here too: it depends on package contract for the
// subjects and on package order for the event, never on the engine.
//
//	generator.Next() -> Msg(topo, g, em) -> ORDER_EVENTS (<prefix>.events.<partition>)
package ingest
