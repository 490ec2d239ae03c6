package config

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownKey is matched (errors.Is) by errors about a key that is
	// not part of the configuration.
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalidValue is matched (errors.Is) by errors about a value that
	// does not parse or is out of range.
	ErrInvalidValue = errors.New("invalid value")
)

// keyError is a problem with one config key. It reads
// `config key "sla.processing": must be > 0 (got "0s") (file config.yaml)`.
type keyError struct {
	key    string // dotted key
	reason string // what is wrong
	source string // where the value came from, "" after merging
	hint   string // what to do, optional
	kind   error  // ErrUnknownKey or ErrInvalidValue
}

func (e *keyError) Error() string {
	msg := fmt.Sprintf("config key %q: %s", e.key, e.reason)
	if e.source != "" {
		msg += " (" + e.source + ")"
	}
	if e.hint != "" {
		msg += "; " + e.hint
	}
	return msg
}

func (e *keyError) Unwrap() error { return e.kind }

// invalid returns an ErrInvalidValue error for key.
func invalid(key, format string, args ...any) error {
	return &keyError{key: key, reason: fmt.Sprintf(format, args...), kind: ErrInvalidValue}
}
