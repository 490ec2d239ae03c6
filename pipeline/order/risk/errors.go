package risk

import "errors"

var (
	// ErrFormat is returned by UnmarshalBinary for bytes that are not a
	// histogram this package encoded (wrapped with what was wrong and where).
	ErrFormat = errors.New("not an encoded duration histogram")

	// ErrOverflow is returned when a histogram would hold more than
	// math.MaxUint64 samples (a merge, or a decoded value claiming so).
	ErrOverflow = errors.New("duration histogram count overflows uint64")
)
