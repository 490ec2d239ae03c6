package risk

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The encoding of a Histogram, for storing it as one KV value:
//
//	byte 0     format version (1)
//	byte 1     PerOctave (16)
//	byte 2     Octaves (36)
//	then, for each non-empty bucket in order, two uvarints:
//	           the number of empty buckets skipped since the previous
//	           non-empty one (or since bucket 0), and the bucket's count (> 0)
//
// An empty histogram is the 3 header bytes; one with samples in b buckets
// takes 3 + 2b bytes while counts stay below 128 (3 + 4b below 2 million),
// and never more than MaxEncodedLen. The encoding is canonical: a value UnmarshalBinary accepts
// is exactly what MarshalBinary gives for the histogram it decodes to.
const (
	version = 1

	// MaxEncodedLen bounds the length of an encoded Histogram: the header and,
	// for every bucket, a skip (below Buckets: 2 bytes at most) and a count
	// (binary.MaxVarintLen64 bytes at most): 6,927 bytes.
	MaxEncodedLen = 3 + Buckets*(2+binary.MaxVarintLen64)
)

// AppendBinary appends h's encoding to b (encoding.BinaryAppender).
func (h *Histogram) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, version, PerOctave, Octaves)
	next := 0
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		b = binary.AppendUvarint(b, uint64(i-next))
		b = binary.AppendUvarint(b, c)
		next = i + 1
	}
	return b, nil
}

// MarshalBinary returns h's encoding (encoding.BinaryMarshaler).
func (h *Histogram) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(nil)
}

// UnmarshalBinary replaces h with the histogram data encodes. Bytes of
// another version or bucket layout, truncated, non-canonical or out of
// range fail with ErrFormat (ErrOverflow for a total past math.MaxUint64),
// and h is left as it was.
func (h *Histogram) UnmarshalBinary(data []byte) error {
	if len(data) < 3 {
		return fmt.Errorf("%w: %d bytes, the header alone is 3", ErrFormat, len(data))
	}
	if data[0] != version {
		return fmt.Errorf("%w: version %d, this build reads %d", ErrFormat, data[0], version)
	}
	if data[1] != PerOctave || data[2] != Octaves {
		return fmt.Errorf("%w: layout of %d buckets per octave over %d octaves, this build uses %d over %d",
			ErrFormat, data[1], data[2], PerOctave, Octaves)
	}
	var out Histogram
	next := 0
	for off := 3; off < len(data); {
		skip, n := uvarint(data[off:])
		if n <= 0 {
			return fmt.Errorf("%w: bad bucket skip at byte %d", ErrFormat, off)
		}
		off += n
		if skip >= uint64(Buckets-next) {
			return fmt.Errorf("%w: bucket past the last one (%d) at byte %d", ErrFormat, Buckets-1, off-n)
		}
		i := next + int(skip)
		c, n := uvarint(data[off:])
		if n <= 0 || c == 0 {
			return fmt.Errorf("%w: bad count of bucket %d at byte %d", ErrFormat, i, off)
		}
		off += n
		if out.total > math.MaxUint64-c {
			return fmt.Errorf("decode bucket %d: %w", i, ErrOverflow)
		}
		out.counts[i] = c
		out.total += c
		next = i + 1
	}
	*h = out
	return nil
}

// uvarint is binary.Uvarint that refuses a non-minimal encoding (n = 0 then).
func uvarint(b []byte) (uint64, int) {
	x, n := binary.Uvarint(b)
	if n > 0 && n != uvarintLen(x) {
		return 0, 0
	}
	return x, n
}

// uvarintLen is the length of x's minimal uvarint encoding.
func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}
