package health

import (
	"errors"
	"fmt"
)

// Warning is a check that passed with a caveat: what is close to going
// wrong and how to avoid it. Run does not count it as failed.
type Warning struct{ What, Fix string }

func (w *Warning) Error() string { return w.What + "; " + w.Fix }

// ErrSkipped is wrapped by the error of a check that did not run after an
// earlier failure.
var ErrSkipped = errors.New("skipped")

var (
	errNoNATS      = fmt.Errorf("%w: NATS is not reachable", ErrSkipped)
	errNoJetStream = fmt.Errorf("%w: JetStream is not available", ErrSkipped)
)
