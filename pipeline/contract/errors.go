package contract

import (
	"errors"
	"fmt"
)

// ErrConflict is returned when an existing stream, bucket or consumer
// conflicts with the configuration. The message says what differs and how
// to fix it; ordertrack never changes such an object silently.
var ErrConflict = errors.New("existing JetStream object conflicts with the configuration")

// ErrMissing is returned by Verify for an object that does not exist.
var ErrMissing = errors.New("JetStream object missing")

// ErrPermissionDenied is returned when NATS denies a permission ordertrack
// needs.
var ErrPermissionDenied = errors.New("NATS denied a permission ordertrack needs")

// Problem is what Verify found wrong with one object, and how to fix it.
// It wraps ErrConflict (the object differs from the configuration) or
// ErrMissing.
type Problem struct {
	What, Fix string
	kind      error
}

func (p *Problem) Error() string { return fmt.Sprintf("%v: %s; %s", p.kind, p.What, p.Fix) }

// Unwrap returns ErrConflict or ErrMissing.
func (p *Problem) Unwrap() error { return p.kind }
