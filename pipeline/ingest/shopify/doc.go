// Package shopify turns a Shopify webhook into the input event of SPEC
// section 3: Verify checks its X-Shopify-Hmac-Sha256 signature over the raw
// body, and Map reads the topic's payload into one event (or none, for a
// topic that is not an order's step).
//
//	orders/create                     -> ORDER_PLACED       at created_at
//	orders/paid                       -> PROCESSING_STARTED at updated_at
//	fulfillments/create               -> ITEM_SHIPPED       at created_at
//	fulfillments/update (delivered)   -> ITEM_DELIVERED     at updated_at
//	orders/cancelled                  -> ORDER_CANCELLED    at cancelled_at
//
// The order id is shopify-<shop>-<order id>, <shop> the first label of
// X-Shopify-Shop-Domain, and the event id shopify:<X-Shopify-Event-Id>, so
// that a redelivery of the same webhook is the same event. The package is
// pure: no NATS, no clock, no I/O; failures are *order.InvalidError with
// the pipeline's reasons, for the caller to dead-letter.
package shopify
