package kv

// StreamName is the JetStream stream that holds a bucket (the KV
// convention of nats-server: KV_<bucket>).
func StreamName(bucket string) string { return "KV_" + bucket }

// KeySubject is the subject one key of a bucket is stored under
// ($KV.<bucket>.<key>); key ">" matches every key.
func KeySubject(bucket, key string) string { return "$KV." + bucket + "." + key }
