package order

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// weekOf returns a week open on the given days with the given spans.
func weekOf(t testing.TB, spans string, days ...time.Weekday) Week {
	t.Helper()
	ss, err := ParseSpans(spans)
	if err != nil {
		t.Fatal(err)
	}
	var w Week
	for _, d := range days {
		w[d] = ss
	}
	return w
}

var (
	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allDays  = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)

func mustCalendar(t testing.TB, loc *time.Location, w Week, holidays ...string) *Calendar {
	t.Helper()
	var hs []Date
	for _, h := range holidays {
		d, err := ParseDate(h)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, d)
	}
	c, err := NewCalendar("test", loc, w, hs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCalendarAdd(t *testing.T) {
	berlin, ny := mustLoc(t, "Europe/Berlin"), mustLoc(t, "America/New_York")
	office := mustCalendar(t, berlin, weekOf(t, "08:00-18:00", weekdays...), "2026-12-24", "2026-12-25")
	lunch := mustCalendar(t, berlin, weekOf(t, "08:00-12:00, 13:00-18:00", weekdays...))
	berlinAllDay := mustCalendar(t, berlin, weekOf(t, "00:00-24:00", allDays...))
	berlinNight := mustCalendar(t, berlin, weekOf(t, "01:00-05:00", allDays...))
	nyAllDay := mustCalendar(t, ny, weekOf(t, "00:00-24:00", allDays...))
	nyOffice := mustCalendar(t, ny, weekOf(t, "09:00-17:00", weekdays...))
	at := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"SPEC: Friday 17:00 Berlin + 4h -> Monday 11:00", office, at(berlin, "2026-12-04 17:00:00"), 4 * time.Hour, at(berlin, "2026-12-07 11:00:00")},
		{"inside open hours", office, at(berlin, "2026-12-01 09:30:00"), 2 * time.Hour, at(berlin, "2026-12-01 11:30:00")},
		{"before opening counts from the opening", office, at(berlin, "2026-12-01 06:00:00"), 2 * time.Hour, at(berlin, "2026-12-01 10:00:00")},
		{"after closing counts from the next opening", office, at(berlin, "2026-12-01 19:00:00"), time.Hour, at(berlin, "2026-12-02 09:00:00")},
		{"ends exactly at closing time", office, at(berlin, "2026-12-01 16:00:00"), 2 * time.Hour, at(berlin, "2026-12-01 18:00:00")},
		{"weekend start", office, at(berlin, "2026-12-05 10:00:00"), time.Hour, at(berlin, "2026-12-07 09:00:00")},
		{"holidays skipped", office, at(berlin, "2026-12-23 17:00:00"), 2 * time.Hour, at(berlin, "2026-12-28 09:00:00")},
		{"start on a holiday", office, at(berlin, "2026-12-24 10:00:00"), 30 * time.Minute, at(berlin, "2026-12-28 08:30:00")},
		{"lunch break", lunch, at(berlin, "2026-12-01 11:30:00"), time.Hour, at(berlin, "2026-12-01 13:30:00")},
		{"several weeks: 100h of 50h weeks", office, at(berlin, "2026-11-02 08:00:00"), 100 * time.Hour, at(berlin, "2026-11-13 18:00:00")},
		{"several weeks across a holiday", office, at(berlin, "2026-12-14 08:00:00"), 90 * time.Hour, at(berlin, "2026-12-28 18:00:00")},
		{"sub-second precision kept", office, at(berlin, "2026-12-01 09:00:00.123456789"), 1500 * time.Millisecond, at(berlin, "2026-12-01 09:00:01.623456789")},
		{"sub-second before opening", office, at(berlin, "2026-12-01 07:59:59.999"), time.Nanosecond, at(berlin, "2026-12-01 08:00:00.000000001")},
		// Daylight saving: durations are real open time, not wall-clock time.
		{"Berlin spring forward, open all day", berlinAllDay, at(berlin, "2026-03-28 23:00:00"), 4 * time.Hour,
			time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC)}, // 04:00 CEST: the night has no 02:00-03:00
		{"Berlin spring forward, open 01-05 (3h that night)", berlinNight, at(berlin, "2026-03-29 00:00:00"), 3*time.Hour + 30*time.Minute,
			at(berlin, "2026-03-30 01:30:00")},
		{"Berlin fall back, open 01-05 (5h that night)", berlinNight, at(berlin, "2026-10-25 00:30:00"), 4*time.Hour + 30*time.Minute,
			time.Date(2026, 10, 25, 3, 30, 0, 0, time.UTC)}, // 04:30 CET
		{"New York spring forward, open all day", nyAllDay, at(ny, "2026-03-07 22:00:00"), 6 * time.Hour,
			time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC)}, // 05:00 EDT
		{"New York fall back, open all day", nyAllDay, at(ny, "2026-10-31 23:00:00"), 4 * time.Hour,
			time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)}, // 02:00 EST
		{"New York office across the spring-forward weekend", nyOffice, at(ny, "2026-03-06 16:00:00"), 2 * time.Hour,
			at(ny, "2026-03-09 10:00:00")}, // 14:00 UTC: EDT now
		{"no calendar: round the clock", nil, at(berlin, "2026-12-04 17:00:00.5"), 4 * time.Hour, at(berlin, "2026-12-04 21:00:00.5")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(tt.start, tt.d)
			if !got.Equal(tt.want) {
				t.Errorf("Add(%s, %s) = %s, want %s", tt.start.Format(time.RFC3339Nano), tt.d,
					got.In(tt.cal.Location()).Format(time.RFC3339Nano), tt.want.In(tt.cal.Location()).Format(time.RFC3339Nano))
			}
			if open := tt.cal.Open(tt.start, got); open != tt.d {
				t.Errorf("Open(start, deadline) = %s, want %s", open, tt.d)
			}
		})
	}
}

// TestCalendarOpenEqualsDuration is the property of SPEC section 11: the
// open time between a start and its deadline is the SLA's duration, for
// random starts, durations and calendars.
func TestCalendarOpenEqualsDuration(t *testing.T) {
	cals := []*Calendar{
		mustCalendar(t, mustLoc(t, "Europe/Berlin"), weekOf(t, "08:00-18:00", weekdays...), "2026-12-24", "2026-03-30"),
		mustCalendar(t, mustLoc(t, "America/New_York"), weekOf(t, "01:00-03:30, 09:00-17:00", weekdays...)),
		mustCalendar(t, mustLoc(t, "Europe/Berlin"), weekOf(t, "00:00-02:30, 02:45-24:00", allDays...), "2026-10-25"),
		mustCalendar(t, mustLoc(t, "Australia/Lord_Howe"), weekOf(t, "01:00-03:00", time.Sunday)), // 30-minute DST shifts
	}
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3000 {
		c := cals[i%len(cals)]
		start := base.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		d := time.Duration(1 + rng.Int64N(int64(300*time.Hour)))
		deadline := c.Add(start, d)
		if open := c.Open(start, deadline); open != d {
			t.Fatalf("calendar %d, start %s, d %s: deadline %s has %s open time in between",
				i%len(cals), start.Format(time.RFC3339Nano), d, deadline.Format(time.RFC3339Nano), open)
		}
		if deadline.Before(start.Add(d)) {
			t.Fatalf("deadline %s before start + d", deadline)
		}
	}
}

func TestNewCalendarNoOpenHours(t *testing.T) {
	_, err := NewCalendar("shut", time.UTC, Week{}, nil)
	if !errors.Is(err, ErrNoOpenHours) {
		t.Errorf("NewCalendar(no hours) = %v, want ErrNoOpenHours", err)
	}
}

func TestParseSpans(t *testing.T) {
	tests := []struct {
		in   string
		want []Span
		bad  bool
	}{
		{in: "08:00-18:00", want: []Span{{8 * time.Hour, 18 * time.Hour}}},
		{in: " 08:00 - 12:00 , 13:30-24:00 ", want: []Span{{8 * time.Hour, 12 * time.Hour}, {13*time.Hour + 30*time.Minute, 24 * time.Hour}}},
		{in: "", want: nil},
		{in: "closed", want: nil},
		{in: "18:00-08:00", bad: true},
		{in: "08:00-08:00", bad: true},
		{in: "8-18", bad: true},
		{in: "08:00-24:30", bad: true},
		{in: "08:00-12:00,11:00-13:00", bad: true},
		{in: "08:60-09:00", bad: true},
		{in: "08:00", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseSpans(tt.in)
		if tt.bad != (err != nil) || !tt.bad && !equalSpans(got, tt.want) {
			t.Errorf("ParseSpans(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func equalSpans(a, b []Span) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
