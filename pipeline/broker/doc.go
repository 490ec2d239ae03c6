// Package broker gives ordertrack its NATS connection: it starts the
// embedded nats-server (JetStream with file storage) when no nats.url is
// configured, or connects to an external server or cluster with
// credentials, user/password, token or TLS, reconnecting forever.
//
//	config.NATS -> Start (embedded, optional) -> Connect -> *nats.Conn -> jetstream.New
package broker
