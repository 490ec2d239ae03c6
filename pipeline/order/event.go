package order

import (
	"strings"
	"time"
)

// EventType names what happened to an order, as producers publish it.
type EventType string

// The input event types of SPEC section 3.
const (
	OrderPlaced       EventType = "ORDER_PLACED"
	ProcessingStarted EventType = "PROCESSING_STARTED"
	ItemShipped       EventType = "ITEM_SHIPPED"
	ItemDelivered     EventType = "ITEM_DELIVERED"
	OrderCancelled    EventType = "ORDER_CANCELLED"
)

// Event is one validated input event.
type Event struct {
	EventID      string    `json:"event_id,omitempty"`
	OrderID      string    `json:"order_id"`
	CustomerID   string    `json:"customer_id,omitempty"`
	Type         EventType `json:"event_type"`
	ItemName     string    `json:"item_name,omitempty"`
	ItemCategory string    `json:"item_category,omitempty"`
	Quantity     int       `json:"quantity,omitempty"`
	Price        float64   `json:"price,omitempty"`
	Timestamp    time.Time `json:"timestamp"`
	TenantID     string    `json:"tenant_id,omitempty"`
	ServiceLevel string    `json:"service_level,omitempty"`

	// Arrived is when JetStream stored the event (its arrival time). It is not
	// part of the JSON input; the pipeline sets it from the message metadata.
	Arrived time.Time `json:"-"`
}

// Stage is a step of the lifecycle, and the status of an order.
type Stage string

// The lifecycle stages of SPEC section 4.
const (
	StageNone       Stage = ""
	StageOrder      Stage = "ORDER"
	StageProcessing Stage = "PROCESSING"
	StageShipped    Stage = "SHIPPED"
	StageDelivered  Stage = "DELIVERED"
	StageCancelled  Stage = "CANCELLED"
)

// eventTypes lists the input event types.
var eventTypes = [...]EventType{OrderPlaced, ProcessingStarted, ItemShipped, ItemDelivered, OrderCancelled}

// stageOf maps each event type to the stage it reports.
var stageOf = map[EventType]Stage{
	OrderPlaced:       StageOrder,
	ProcessingStarted: StageProcessing,
	ItemShipped:       StageShipped,
	ItemDelivered:     StageDelivered,
	OrderCancelled:    StageCancelled,
}

// Stage returns the stage an event type reports, and false for unknown types.
func (t EventType) Stage() (Stage, bool) {
	s, ok := stageOf[t]
	return s, ok
}

// rank orders the forward stages; cancelled is off the line.
func (s Stage) rank() int {
	switch s {
	case StageOrder:
		return 1
	case StageProcessing:
		return 2
	case StageShipped:
		return 3
	case StageDelivered:
		return 4
	}
	return 0
}

// Key is the stage's name in lower case: the key of the update reporting
// it (Update.Key).
func (s Stage) Key() string {
	switch s {
	case StageOrder:
		return "order"
	case StageProcessing:
		return "processing"
	case StageShipped:
		return "shipped"
	case StageDelivered:
		return "delivered"
	case StageCancelled:
		return "cancelled"
	}
	return strings.ToLower(string(s))
}

// forward lists the stages of the happy path in order.
var forward = []Stage{StageOrder, StageProcessing, StageShipped, StageDelivered}
