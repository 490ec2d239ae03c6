package httpsource

import "errors"

// Why a request was not authenticated (logged and counted, never answered
// in detail beyond 401).
var (
	// ErrNoCredentials: neither a bearer token nor a signature.
	ErrNoCredentials = errors.New("no Authorization bearer token and no webhook-signature")
	// ErrBadToken: a bearer token that is not ingest.http.token.
	ErrBadToken = errors.New("wrong bearer token")
	// ErrNoSignature: webhook-id, webhook-timestamp or webhook-signature missing.
	ErrNoSignature = errors.New("webhook-id, webhook-timestamp and webhook-signature are all needed")
	// ErrStaleSignature: webhook-timestamp outside SignatureTolerance.
	ErrStaleSignature = errors.New("webhook-timestamp is more than 5 minutes away")
	// ErrBadSignature: no signature of the header matches the body.
	ErrBadSignature = errors.New("webhook-signature does not match the body")
	// ErrBadShopifySignature: X-Shopify-Hmac-Sha256 missing or wrong.
	ErrBadShopifySignature = errors.New("X-Shopify-Hmac-Sha256 missing or not the body's HMAC")
	// ErrBadSecret: ingest.http.secret is not whsec_<base64>.
	ErrBadSecret = errors.New("ingest.http.secret is not a Standard Webhooks secret")
	// ErrCannotStore: NATS did not store every event of a request in time.
	ErrCannotStore = errors.New("NATS cannot store events now")
)
