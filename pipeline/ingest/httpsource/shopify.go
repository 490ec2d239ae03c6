package httpsource

import (
	"net/http"

	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/ingest/shopify"
)

// Shopify's webhook headers.
const (
	HeaderShopifyHmac    = "X-Shopify-Hmac-Sha256"
	HeaderShopifyTopic   = "X-Shopify-Topic"
	HeaderShopifyShop    = "X-Shopify-Shop-Domain"
	HeaderShopifyEventID = "X-Shopify-Event-Id"
)

// shopifyWebhook serves POST /v1/webhooks/shopify: the HMAC of the raw
// body, then the topic's event stored (or dead-lettered) before 200; a
// topic that is no order's step is answered 200 and counted ignored.
func (s *Source) shopifyWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answerError(w, http.StatusMethodNotAllowed, "POST Shopify webhooks here")
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	if !shopify.Verify(s.shopify, body, r.Header.Get(HeaderShopifyHmac)) {
		s.unauthorized(w, r, "shopify", ErrBadShopifySignature)
		return
	}
	hook := shopify.Webhook{Topic: r.Header.Get(HeaderShopifyTopic), ShopDomain: r.Header.Get(HeaderShopifyShop),
		EventID: r.Header.Get(HeaderShopifyEventID), Body: body}
	p, ok, err := shopify.Map(hook, s.opts.Now(), s.opts.MaxSkew)
	switch {
	case !ok:
		s.opts.Metrics.Count(SourceShopify, ingest.ResultIgnored, 1)
		answerJSON(w, http.StatusOK, answer{Ignored: 1, Errors: []lineError{}})
		return
	case err != nil:
		inv := asInvalid(err)
		m := s.deadLetter(body, inv, SourceShopify, shopify.EventID(hook))
		s.storeAndAnswer(w, r, SourceShopify, []record{{msg: m, result: ingest.ResultDeadLettered, line: 1, err: inv}})
		return
	}
	m := ingest.EventMsg(s.opts.Topology.EventSubject(p.Event.OrderID), p.Data, p.Event.EventID, true)
	s.storeAndAnswer(w, r, SourceShopify, []record{{msg: m, result: ingest.ResultStored, line: 1}})
}
