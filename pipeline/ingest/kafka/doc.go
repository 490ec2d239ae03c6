// Package kafka is the Kafka source of run (SPEC section 16): every
// instance joins the consumer group ingest.kafka.group on
// ingest.kafka.topics and stores each record's event in ORDER_EVENTS (or,
// invalid, its bytes in ORDER_DLQ) before it commits the record's offset.
//
// One poll is one batch (at most Options.MaxInFlight records):
//
//	PollRecords -> mapping.Prepare (the pipeline's own decoder) -> PublishMsgAsync
//	    (all of the batch in flight, in offset order per partition)
//	-> wait for every PubAck (a failed one is published again, fetching
//	    paused, until stored) -> commit each partition's next offset -> AllowRebalance
//
// Rebalances wait for the batch (kgo's BlockRebalanceOnPoll), so a revoked
// partition has everything polled stored and committed before it is given
// up; OnPartitionsRevoked commits what a failed commit left. The Nats-Msg-Id
// of an event is its event_id, else kafka:<topic>:<partition>:<offset>, so a
// record read again after a crash is stored once.
//
// franz-go (kgo) is the client: pure Go, maintained, with consumer groups,
// manual commits, BlockRebalanceOnPoll, static membership, and kfake, an
// in-process cluster the tests run against.
package kafka
