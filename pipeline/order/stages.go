package order

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
