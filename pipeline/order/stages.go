package order

import (
	"slices"
	"strings"
)

// OpenStages are the statuses of open orders, in lifecycle order.
var OpenStages = []Stage{StageOrder, StageProcessing, StageShipped}

// ClosedStages are the final statuses.
var ClosedStages = []Stage{StageDelivered, StageCancelled}

// Reasons are the dead-letter reasons in the order SPEC section 7 lists
// them (the first that applies to an input is its reason).
var Reasons = []Reason{
	ReasonTooLarge, ReasonInvalidJSON, ReasonMissingOrderID, ReasonInvalidOrderID,
	ReasonSubjectMismatch, ReasonUnknownEventType, ReasonInvalidTimestamp,
	ReasonFutureTimestamp, ReasonInvalidField, ReasonMaxDeliveries,
	ReasonNotifyFailed,
}

// ReasonList is Reasons as text: "too_large, invalid_json, ...".
func ReasonList() string {
	s := make([]string, len(Reasons))
	for i, r := range Reasons {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// ValidReason reports whether r is one of Reasons.
func ValidReason(r string) bool { return slices.Contains(Reasons, Reason(r)) }
