package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"0.0", 0},
		{"1h30m", 90 * time.Minute},
		{"250ms", 250 * time.Millisecond},
		{"1µs", time.Microsecond},
		{".5h", 30 * time.Minute},
		{"+5s", 5 * time.Second},
		{" 30s ", 30 * time.Second},
		{"3d", 72 * time.Hour},
		{"1w", 168 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"1w2d", 9 * 24 * time.Hour},
		{"1d 12h", 36 * time.Hour},
		{"30 seconds", 30 * time.Second},
		{"3 days", 72 * time.Hour},
		{"1 day", 24 * time.Hour},
		{"1 minute", time.Minute},
		{"2 hours", 2 * time.Hour},
		{"10 secs", 10 * time.Second},
		{"1 sec", time.Second},
		{"5 mins", 5 * time.Minute},
		{"1 week", 168 * time.Hour},
		{"2 weeks", 336 * time.Hour},
		{"100 milliseconds", 100 * time.Millisecond},
		{"30 Seconds", 30 * time.Second},
		{"1 hour 30 minutes", 90 * time.Minute},
		{"10seconds", 10 * time.Second},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct {
		in, wantErr string
	}{
		{"", "empty duration"},
		{"   ", "empty duration"},
		{"-1h", `negative duration "-1h"`},
		{"-0", "negative"},
		{"30", "missing unit after 30, e.g. 30s"},
		{"1.5", "missing unit"},
		{"abc", `invalid duration "abc"`},
		{"d", `invalid duration "d"`},
		{"3 fortnights", `unknown unit "fortnights"`},
		{"1M", `unknown unit "M"`},
		{"1H", `unknown unit "H"`},
		{"1.2.3s", `bad number "1.2.3"`},
		{"1h-30m", `invalid duration "1h-30m"`},
		{"1h30", "missing unit after 30"},
		{"99999999999w", "too large"},
		{"9223372036854775807ns1ns", "too large"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseDuration(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{24 * time.Hour, "24h"},
		{10 * time.Minute, "10m"},
		{90 * time.Minute, "1h30m"},
		{time.Hour + 5*time.Second, "1h0m5s"},
		{-time.Hour, "-1h"},
		{250 * time.Millisecond, "250ms"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDurationHook(t *testing.T) {
	tests := []struct {
		in      any
		want    time.Duration
		wantErr string
	}{
		{in: "3d", want: 72 * time.Hour},
		{in: 0, want: 0},
		{in: 0.0, want: 0},
		{in: time.Minute, want: time.Minute},
		{in: 30, wantErr: "use a unit, e.g. 30s"},
		{in: 1.5, wantErr: "use a unit"},
		{in: -time.Second, wantErr: "negative"},
		{in: true, wantErr: "must be a duration"},
		{in: []any{"1s"}, wantErr: "not a list"},
	}
	for _, tt := range tests {
		got, err := durationHook(nil, durationType, tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("durationHook(%v) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("durationHook(%v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"0", "1h30m", "3d", "1.5d", "30 seconds", "1 hour 30 minutes", "-1h", "1e3s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		back, err := ParseDuration(formatDuration(d))
		if err != nil || back != d {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", s, d, formatDuration(d), back, err)
		}
	})
}
