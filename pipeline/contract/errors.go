package contract

import (
	"errors"
	"fmt"
)

// ErrMismatch is returned when an existing stream, bucket or consumer does
// not match the configuration (not to be confused with kv.ErrConflict, a
// lost compare-and-set). The message says what differs and how to fix it;
// ordertrack never changes such an object silently.
var ErrMismatch = errors.New("existing JetStream object conflicts with the configuration")

// ErrMissing is returned by Verify for an object that does not exist.
var ErrMissing = errors.New("JetStream object missing")

// ErrPermissionDenied is returned when NATS denies a permission ordertrack
// needs.
var ErrPermissionDenied = errors.New("NATS denied a permission ordertrack needs")

// Problem is what a check found wrong, and how to fix it: the one type of
// a finding, for Verify and for the checks of package health. A Problem of
// Verify wraps ErrMismatch (the object differs from the configuration) or
// ErrMissing; one built as a literal (Problem{What, Fix}) wraps nothing.
type Problem struct {
	What, Fix string
	kind      error
}

func (p *Problem) Error() string {
	if p.kind == nil {
		return p.What + "; " + p.Fix
	}
	return fmt.Sprintf("%v: %s; %s", p.kind, p.What, p.Fix)
}

// Unwrap returns ErrMismatch, ErrMissing or nil.
func (p *Problem) Unwrap() error { return p.kind }
