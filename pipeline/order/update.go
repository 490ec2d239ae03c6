package order

import "time"

// UpdateType names an output of the pipeline (SPEC section 6).
type UpdateType string

// The output event types.
const (
	UpdateConfirmed  UpdateType = "ORDER_CONFIRMED"
	UpdateProcessing UpdateType = "PROCESSING_STARTED"
	UpdateShipped    UpdateType = "ITEM_SHIPPED"
	UpdateDelivered  UpdateType = "ITEM_DELIVERED"
	UpdateCancelled  UpdateType = "ORDER_CANCELLED"
	UpdateRejected   UpdateType = "EVENT_REJECTED"
	UpdateBreach     UpdateType = "SLA_BREACH"
	UpdateAtRisk     UpdateType = "SLA_AT_RISK"
	UpdateRetracted  UpdateType = "SLA_BREACH_RETRACTED"
)

// Update is one output record: a lifecycle step, a rejection, or an SLA
// breach, warning or retraction.
type Update struct {
	OrderID   string     `json:"order_id"`
	Type      UpdateType `json:"event_type"`
	Status    Stage      `json:"status"`
	Message   string     `json:"message"`
	SLABreach bool       `json:"sla_breach"`
	SLA       SLA        `json:"sla,omitempty"`
	Deadline  *time.Time `json:"deadline,omitempty"`
	Rule      string     `json:"rule,omitempty"`
	// Reason and Probability are set on a predicted SLA_AT_RISK only (SPEC
	// section 17): "predicted" and the risk judged, 0-1.
	Reason      string  `json:"reason,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	// Threshold and RemainingSeconds are set on SLA_AT_RISK only: the
	// warn_at fraction reached (sla.predict.threshold for a predicted one)
	// and the seconds left until the deadline.
	Threshold        float64   `json:"threshold,omitempty"`
	RemainingSeconds float64   `json:"remaining_seconds,omitempty"`
	EventTime        time.Time `json:"event_time"`
	EmittedAt        time.Time `json:"emitted_at"`
	CustomerID       string    `json:"customer_id,omitempty"`
	ItemName         string    `json:"item_name,omitempty"`
	TenantID         string    `json:"tenant_id,omitempty"`

	// Late is true when the event reported a stage earlier than the status.
	Late bool `json:"late,omitempty"`

	// Key identifies the update within its order: the stage it reports, the
	// SLA it breaches or retracts, "<sla>:<threshold>" for a warning,
	// "<sla>:predicted" for a predicted one, or "rejected-<stage>". With the order id and the type
	// it forms the deterministic Nats-Msg-Id.
	Key string `json:"-"`
}

// MsgID is the deterministic de-duplication id of the update:
// <order_id>:<event_type>:<stage or sla>, and
// <order_id>:SLA_AT_RISK:<sla>:<threshold> for warnings.
func (u Update) MsgID() string {
	return u.OrderID + ":" + string(u.Type) + ":" + u.Key
}
