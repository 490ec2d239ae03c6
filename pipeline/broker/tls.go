package broker

import "crypto/tls"

// tlsInsecure skips certificate verification (nats.tls.insecure: true).
var tlsInsecure = tls.Config{InsecureSkipVerify: true} //nolint:gosec // explicitly asked for
