package shopify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ordertrack/ordertrack/pipeline/ingest/mapping"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Topics that carry an order's step (SPEC section 16, "Shopify").
const (
	TopicOrderCreate       = "orders/create"
	TopicOrderPaid         = "orders/paid"
	TopicFulfillmentCreate = "fulfillments/create"
	TopicFulfillmentUpdate = "fulfillments/update"
	TopicOrderCancelled    = "orders/cancelled"
)

// maxItemName is the longest item_name order.Decode accepts.
const maxItemName = 256

// Webhook is one delivery as Shopify sends it: the headers Map reads and
// the raw body.
type Webhook struct {
	Topic      string // X-Shopify-Topic
	ShopDomain string // X-Shopify-Shop-Domain, e.g. acme.myshopify.com
	EventID    string // X-Shopify-Event-Id; "" = derived from the body
	Body       []byte
}

// payload is what Map reads of an order or a fulfillment. Ids stay raw:
// Shopify's are 64-bit integers that a float64 would round.
type payload struct {
	ID             json.RawMessage `json:"id"`
	OrderID        json.RawMessage `json:"order_id"`
	CreatedAt      string          `json:"created_at"`
	UpdatedAt      string          `json:"updated_at"`
	CancelledAt    string          `json:"cancelled_at"`
	TotalPrice     json.RawMessage `json:"total_price"`
	ShipmentStatus string          `json:"shipment_status"`
	Customer       *struct {
		ID json.RawMessage `json:"id"`
	} `json:"customer"`
	LineItems []struct {
		Title       string          `json:"title"`
		ProductType string          `json:"product_type"`
		Quantity    json.RawMessage `json:"quantity"`
	} `json:"line_items"`
}

// event is section 3's event, its members in the section's order.
type event struct {
	EventID      string          `json:"event_id"`
	OrderID      string          `json:"order_id"`
	CustomerID   string          `json:"customer_id,omitempty"`
	EventType    order.EventType `json:"event_type"`
	ItemName     string          `json:"item_name,omitempty"`
	ItemCategory string          `json:"item_category,omitempty"`
	Quantity     json.RawMessage `json:"quantity,omitempty"`
	Price        json.RawMessage `json:"price,omitempty"`
	Timestamp    string          `json:"timestamp,omitempty"`
	TenantID     string          `json:"tenant_id"`
}

// Map returns the event of w, validated by order.Decode (arrived and
// maxSkew as the pipeline passes them), and true; false and no error for a
// topic that is not an order's step (a fulfillments/update whose
// shipment_status is not delivered included). A payload that makes no
// valid event returns an *order.InvalidError.
func Map(w Webhook, arrived time.Time, maxSkew time.Duration) (mapping.Prepared, bool, error) {
	if !Handled(w.Topic) {
		return mapping.Prepared{}, false, nil
	}
	var p payload
	if err := json.Unmarshal(w.Body, &p); err != nil {
		return mapping.Prepared{}, true, invalid(order.ReasonInvalidJSON, "the %s payload is not a JSON object: %v", w.Topic, err)
	}
	if w.Topic == TopicFulfillmentUpdate && p.ShipmentStatus != "delivered" {
		return mapping.Prepared{}, false, nil
	}
	e, err := build(w, p)
	if err != nil {
		return mapping.Prepared{}, true, err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return mapping.Prepared{}, true, invalid(order.ReasonInvalidField, "%v", err)
	}
	data := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	ev, err := order.Decode(data, e.OrderID, arrived, maxSkew)
	if err != nil {
		return mapping.Prepared{}, true, err
	}
	return mapping.Prepared{Data: data, Event: ev}, true, nil
}

// Handled reports whether topic can carry an order's step.
func Handled(topic string) bool {
	switch topic {
	case TopicOrderCreate, TopicOrderPaid, TopicFulfillmentCreate, TopicFulfillmentUpdate, TopicOrderCancelled:
		return true
	}
	return false
}

// build reads the event of w's topic from p.
func build(w Webhook, p payload) (event, error) {
	shop, err := Shop(w.ShopDomain)
	if err != nil {
		return event{}, err
	}
	idRaw, idName := p.ID, "id"
	if strings.HasPrefix(w.Topic, "fulfillments/") {
		idRaw, idName = p.OrderID, "order_id"
	}
	id, ok := idText(idRaw)
	if !ok {
		return event{}, invalid(order.ReasonMissingOrderID, "the %s payload has no %s (a number)", w.Topic, idName)
	}
	e := event{EventID: EventID(w), OrderID: "shopify-" + shop + "-" + id, TenantID: shop}
	if !order.ValidOrderID(e.OrderID) {
		return event{}, invalid(order.ReasonInvalidOrderID, "order id %q from the payload's %s is not 1-128 letters, digits, '-' and '_'", clip(e.OrderID), idName)
	}
	switch w.Topic {
	case TopicOrderCreate:
		e.EventType, e.Timestamp = order.OrderPlaced, p.CreatedAt
		placed(&e, p)
	case TopicOrderPaid:
		e.EventType, e.Timestamp = order.ProcessingStarted, p.UpdatedAt
	case TopicFulfillmentCreate:
		e.EventType, e.Timestamp = order.ItemShipped, p.CreatedAt
	case TopicFulfillmentUpdate:
		e.EventType, e.Timestamp = order.ItemDelivered, p.UpdatedAt
	case TopicOrderCancelled:
		e.EventType, e.Timestamp = order.OrderCancelled, p.CancelledAt
	}
	return e, nil
}

// placed fills the fields of ORDER_PLACED: the customer, the first line
// item (with " +N more" when there are more), the quantities summed and
// the total price.
func placed(e *event, p payload) {
	if p.Customer != nil {
		e.CustomerID, _ = idText(p.Customer.ID)
	}
	if n := len(p.LineItems); n > 0 {
		more := ""
		if n > 1 {
			more = " +" + strconv.Itoa(n-1) + " more"
		}
		e.ItemName = clipText(p.LineItems[0].Title, maxItemName-len(more)) + more
		e.ItemCategory = clipText(p.LineItems[0].ProductType, maxItemName)
		var sum int64
		for _, li := range p.LineItems {
			q, err := strconv.ParseInt(string(li.Quantity), 10, 64)
			if err != nil || q < 0 || sum+q > 1<<40 {
				sum = -1
				break
			}
			sum += q
		}
		if sum >= 0 {
			e.Quantity = json.RawMessage(strconv.FormatInt(sum, 10))
		}
	}
	e.Price = price(p.TotalPrice)
}

// price is total_price as a JSON number: Shopify sends it as decimal text
// ("199.65"). Anything else is passed on for order.Decode to judge.
func price(raw json.RawMessage) json.RawMessage {
	var s string
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return raw
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "xXpPnNiI_") {
		return raw
	}
	return json.RawMessage(strconv.FormatFloat(f, 'f', -1, 64))
}

// Shop is the first label of a shop domain: acme for acme.myshopify.com.
func Shop(domain string) (string, error) {
	shop, _, _ := strings.Cut(strings.TrimSpace(domain), ".")
	if shop == "" {
		return "", invalid(order.ReasonMissingOrderID, "X-Shopify-Shop-Domain is missing: the order id needs the shop")
	}
	return strings.ToLower(shop), nil
}

// EventID is the event id of w: shopify:<X-Shopify-Event-Id>, or, when
// Shopify sent none, shopify:sha256:<hex of topic, shop and body>, the
// same for a redelivery.
func EventID(w Webhook) string {
	if id := strings.TrimSpace(w.EventID); id != "" {
		return "shopify:" + clip(id)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", w.Topic, w.ShopDomain)
	h.Write(w.Body)
	return "shopify:sha256:" + hex.EncodeToString(h.Sum(nil))
}

// idText is an id given as a JSON integer or as text of letters and
// digits.
func idText(raw json.RawMessage) (string, bool) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return "", false
	}
	if s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			return "", false
		}
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return "", false
		}
	}
	return s, true
}

// clipText shortens s to at most n bytes on a character boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func invalid(r order.Reason, format string, args ...any) *order.InvalidError {
	return &order.InvalidError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// clip shortens a value quoted in an error or an id.
func clip(s string) string {
	if len(s) > 128 {
		return s[:128]
	}
	return s
}
