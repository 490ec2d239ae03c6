package risk

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestMarshalBytes(t *testing.T) {
	t.Parallel()
	var h Histogram
	for range 4 {
		h.Add(b1024) // bucket 161
		h.Add(b2048) // bucket 177
	}
	h.Add(b4096) // bucket 193
	h.Add(b4096)
	for _, c := range []struct {
		name string
		h    Histogram
		want []byte
	}{
		{"empty", Histogram{}, []byte{1, 16, 36}},
		// skip 161 (0xa1 0x01), count 4; skip 15, count 4; skip 15, count 2
		{"three buckets", h, []byte{1, 16, 36, 0xa1, 0x01, 4, 15, 4, 15, 2}},
	} {
		got, err := c.h.MarshalBinary()
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("%s: MarshalBinary = % x, %v; want % x", c.name, got, err, c.want)
		}
	}
}

// TestMarshalRoundTrip: random histograms decode to themselves, and the
// worst case stays within MaxEncodedLen.
func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 10))
	for range 300 {
		h := randomHistogram(r, 500)
		if r.IntN(5) == 0 { // counts past a byte or two
			for i := range h.counts {
				if h.counts[i] > 0 {
					n := r.Uint64N(1 << 40)
					h.counts[i] += n
					h.total += n
				}
			}
		}
		b, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Histogram
		if err := back.UnmarshalBinary(b); err != nil || back != h {
			t.Fatalf("round trip of %d samples: %v, equal %v", h.Count(), err, back == h)
		}
		if len(b) > MaxEncodedLen {
			t.Fatalf("%d bytes > MaxEncodedLen %d", len(b), MaxEncodedLen)
		}
	}

	var full Histogram // every bucket, counts of 8 bytes
	for i := range full.counts {
		full.counts[i] = math.MaxUint64 / Buckets
		full.total += full.counts[i]
	}
	b, _ := full.MarshalBinary()
	var back Histogram
	if err := back.UnmarshalBinary(b); err != nil || back != full || len(b) > MaxEncodedLen {
		t.Errorf("every bucket full: %d bytes (max %d), %v", len(b), MaxEncodedLen, err)
	}
	t.Logf("every bucket at MaxUint64/%d: %d bytes", Buckets, len(b))
	if MaxEncodedLen != 6927 {
		t.Errorf("MaxEncodedLen = %d, the package doc says 6,927", MaxEncodedLen)
	}

	var typical Histogram // a stage of 10 to 40 minutes
	for i := range 10000 {
		typical.Add(10*time.Minute + time.Duration(i)*180*time.Millisecond)
	}
	b, _ = typical.MarshalBinary()
	t.Logf("10,000 samples over 10-40 min: %d bytes", len(b))
}

func TestUnmarshalRejects(t *testing.T) {
	t.Parallel()
	maxVarint := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"nothing", nil, ErrFormat},
		{"half a header", []byte{1, 16}, ErrFormat},
		{"another version", []byte{2, 16, 36}, ErrFormat},
		{"another layout", []byte{1, 8, 36}, ErrFormat},
		{"another range", []byte{1, 16, 35}, ErrFormat},
		{"truncated skip", []byte{1, 16, 36, 0x80}, ErrFormat},
		{"skip without a count", []byte{1, 16, 36, 0}, ErrFormat},
		{"count 0", []byte{1, 16, 36, 0, 0}, ErrFormat},
		{"non-minimal skip", []byte{1, 16, 36, 0x80, 0x00, 1}, ErrFormat},
		{"non-minimal count", []byte{1, 16, 36, 0, 0x81, 0x00}, ErrFormat},
		{"bucket 577", []byte{1, 16, 36, 0xc1, 0x04, 1}, ErrFormat},
		{"past the last bucket", []byte{1, 16, 36, 0xc0, 0x04, 1, 0, 1}, ErrFormat},
		{"skip past 64 bits", []byte{1, 16, 36, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1}, ErrFormat},
		{"total past MaxUint64", append(append([]byte{1, 16, 36, 0}, maxVarint...), 0, 1), ErrOverflow},
	} {
		h := oneSecond()
		before := h
		if err := h.UnmarshalBinary(c.data); !errors.Is(err, c.want) {
			t.Errorf("%s (% x): %v, want %v", c.name, c.data, err, c.want)
		}
		if h != before {
			t.Errorf("%s: a failed UnmarshalBinary changed the histogram", c.name)
		}
	}

	var h Histogram
	if err := h.UnmarshalBinary([]byte{1, 16, 36, 0xc0, 0x04, 7}); err != nil || h.counts[Buckets-1] != 7 || h.total != 7 {
		t.Errorf("7 samples in the last bucket: %v, %d in it, %d in all", err, h.counts[Buckets-1], h.total)
	}
	if err := h.UnmarshalBinary(append([]byte{1, 16, 36, 0}, maxVarint...)); err != nil || h.Count() != math.MaxUint64 {
		t.Errorf("MaxUint64 samples: %v, Count %d", err, h.Count())
	}
}

func oneSecond() Histogram {
	var h Histogram
	h.Add(time.Second)
	return h
}

// FuzzDecode: UnmarshalBinary never panics, fails only with its sentinels,
// and what it accepts is canonical (MarshalBinary gives the same bytes), a
// consistent histogram whose curve answers. Seeds under testdata/fuzz.
func FuzzDecode(f *testing.F) {
	for _, seed := range [][]byte{
		{1, 16, 36},
		{1, 16, 36, 0xa1, 0x01, 4, 15, 4, 15, 2},
		{1, 16, 36, 0xc0, 0x04, 7},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var h Histogram
		if err := h.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrOverflow) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		b, _ := h.MarshalBinary()
		if !bytes.Equal(b, data) {
			t.Fatalf("accepted % x, which encodes back as % x", data, b)
		}
		var sum uint64
		for _, c := range h.counts {
			sum += c
		}
		if sum != h.total || len(data) > MaxEncodedLen {
			t.Fatalf("counts sum to %d, total %d, %d bytes", sum, h.total, len(data))
		}
		c := h.Curve()
		if at, ok := c.Crossing(time.Hour, 0.8); ok && (at < 0 || at >= time.Hour || c.Risk(time.Hour, at) < 0.8-1e-9) {
			t.Fatalf("Crossing(1h, 0.8) = %v with Risk %v", at, c.Risk(time.Hour, at))
		}
	})
}
