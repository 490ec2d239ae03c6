package contract

// Dead-letter headers (SPEC section 7).
const (
	HeaderReason        = "Ordertrack-Reason"
	HeaderError         = "Ordertrack-Error"
	HeaderSourceSubject = "Ordertrack-Source-Subject"
	HeaderSourceSeq     = "Ordertrack-Source-Seq"
)

// Dead-letter headers of a record from an ingest source (SPEC section 16):
// the source, and its coordinates instead of HeaderSourceSubject and
// HeaderSourceSeq.
const (
	HeaderSource         = "Ordertrack-Source"
	HeaderKafkaTopic     = "Ordertrack-Kafka-Topic"
	HeaderKafkaPartition = "Ordertrack-Kafka-Partition"
	HeaderKafkaOffset    = "Ordertrack-Kafka-Offset"
	HeaderHTTPLine       = "Ordertrack-Http-Line"
)
