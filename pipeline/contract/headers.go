package contract

// Dead-letter headers (SPEC section 7).
const (
	HeaderReason        = "Ordertrack-Reason"
	HeaderError         = "Ordertrack-Error"
	HeaderSourceSubject = "Ordertrack-Source-Subject"
	HeaderSourceSeq     = "Ordertrack-Source-Seq"
)
