package order

import (
	"encoding/json"
	"time"
)

// arrivalStages lists the stages in the order their keys sort, the order
// encoding/json writes map keys in: the JSON of Arrivals is the object a
// map[Stage]time.Time would give.
var arrivalStages = [...]Stage{StageCancelled, StageDelivered, StageOrder, StageProcessing, StageShipped}

// Arrivals holds when JetStream stored each stage's event; a zero time is
// unknown. A fixed array rather than a map keeps an order's state free of
// allocations of its own: a partition owner caches every open order.
type Arrivals [len(arrivalStages)]time.Time

func arrivalIndex(st Stage) int {
	for i, s := range arrivalStages {
		if s == st {
			return i
		}
	}
	return -1
}

// Get returns when the event of a stage arrived, and false if unknown.
func (a Arrivals) Get(st Stage) (time.Time, bool) {
	i := arrivalIndex(st)
	if i < 0 || a[i].IsZero() {
		return time.Time{}, false
	}
	return a[i], true
}

// set records when the event of a stage arrived.
func (a *Arrivals) set(st Stage, t time.Time) {
	if i := arrivalIndex(st); i >= 0 {
		a[i] = t
	}
}

// IsZero reports whether no arrival is known (the JSON then omits it).
func (a Arrivals) IsZero() bool { return a == Arrivals{} }

// MarshalJSON writes the known arrivals as an object keyed by stage.
func (a Arrivals) MarshalJSON() ([]byte, error) {
	return a.appendJSON(nil), nil
}

// UnmarshalJSON reads an object keyed by stage; unknown stages are ignored.
func (a *Arrivals) UnmarshalJSON(data []byte) error {
	var m map[Stage]time.Time
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*a = Arrivals{}
	for st, t := range m {
		a.set(st, t)
	}
	return nil
}

func (a Arrivals) appendJSON(b []byte) []byte {
	sep := byte('{')
	for i, t := range a {
		if t.IsZero() {
			continue
		}
		b = append(b, sep)
		sep = ','
		b = appendString(b, string(arrivalStages[i]))
		b = append(b, ':')
		b = appendTime(b, t)
	}
	if sep == '{' {
		b = append(b, '{')
	}
	return append(b, '}')
}
