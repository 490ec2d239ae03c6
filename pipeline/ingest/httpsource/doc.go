// Package httpsource is the HTTP source of events: the ingest listener
// (ingest.http.listen) with POST /v1/events, one event or JSON lines from
// any producer that can call a URL, and POST /v1/webhooks/shopify, a
// Shopify store's order and fulfilment webhooks (package shopify maps
// them).
//
//	request -> auth (Bearer token | Standard Webhooks signature | Shopify HMAC)
//	        -> body (at most ingest.http.max_body) -> lines
//	        -> mapping.Prepare / shopify.Map -> ORDER_EVENTS, or ORDER_DLQ if invalid
//	        -> every PubAck -> 200 {"stored","dead_lettered","errors"}
//
// A request is answered 2xx only once JetStream stored every event it
// carried (the valid ones in ORDER_EVENTS, the invalid ones as dead letters
// with Ordertrack-Source and Ordertrack-Http-Line); when NATS cannot store,
// it is answered 503 with Retry-After and nothing of it is acknowledged, so
// a retry is safe: the events' ids (their own event_id, the signed
// webhook-id of a single event, shopify:<X-Shopify-Event-Id>, else
// http:<SHA-256 of the line>) are the Nats-Msg-Id, and the engine applies
// an event id once. Any number of instances may serve the endpoint behind a
// load balancer for the same reason.
//
// The server takes its timeouts and header limit from package httpserver
// and serves at most Options.MaxInFlight requests at once (503 beyond). It
// depends on package contract for the subjects and headers, never on the
// engine.
package httpsource
