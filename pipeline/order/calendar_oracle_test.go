package order

import (
	"math/rand/v2"
	"testing"
	"time"
)

// spanWalk is the calendar arithmetic that walks every day span by span:
// the oracle the counting of whole days and weeks must equal.
type spanWalk struct {
	loc      *time.Location
	week     Week
	holidays map[Date]bool
}

func (w spanWalk) add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start.Add(d)
	}
	left := d
	var at time.Time
	w.walk(start, func(a, b time.Time) bool {
		if span := b.Sub(a); left > span {
			left -= span
			return true
		}
		at = a.Add(left)
		return false
	})
	return at.In(start.Location())
}

func (w spanWalk) open(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	var sum time.Duration
	w.walk(from, func(a, b time.Time) bool {
		if !a.Before(to) {
			return false
		}
		if to.Before(b) {
			b = to
		}
		sum += b.Sub(a)
		return b.Before(to)
	})
	return sum
}

func (w spanWalk) walk(start time.Time, f func(a, b time.Time) bool) {
	y, m, d := start.In(w.loc).Date()
	for i := range maxCalendarDays {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC)
		if w.holidays[DateOf(day)] {
			continue
		}
		for _, s := range w.week[day.Weekday()] {
			a := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, int(s.From), w.loc)
			b := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, int(s.To), w.loc)
			if !b.After(start) {
				continue
			}
			if a.Before(start) {
				a = start
			}
			if !b.After(a) {
				continue
			}
			if !f(a, b) {
				return
			}
		}
	}
}

// randomWeek has 0-3 spans a day on a 15-minute grid, sometimes the whole
// day, and at least one open span.
func randomWeek(rng *rand.Rand) Week {
	var w Week
	for len(w[0])+len(w[1])+len(w[2])+len(w[3])+len(w[4])+len(w[5])+len(w[6]) == 0 {
		for wd := range w {
			w[wd] = nil
			if rng.IntN(5) == 0 {
				w[wd] = []Span{{0, 24 * time.Hour}}
				continue
			}
			at := time.Duration(0)
			for range rng.IntN(4) {
				from := at + time.Duration(rng.IntN(24))*15*time.Minute
				to := from + time.Duration(1+rng.IntN(40))*15*time.Minute
				if to > 24*time.Hour {
					break
				}
				w[wd] = append(w[wd], Span{from, to})
				at = to
			}
		}
	}
	return w
}

// TestCalendarCountsAsTheSpanWalk: Add and Open equal the span-by-span walk
// for random calendars (zones with daylight saving at 02:00, at midnight,
// by 30 minutes, suspended for Ramadan, and none), holidays, starts and
// durations from a nanosecond to a quarter of a year, some on the spans'
// 15-minute grid so that deadlines fall on closing times.
func TestCalendarCountsAsTheSpanWalk(t *testing.T) {
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "America/Sao_Paulo", "America/Santiago",
		"Australia/Lord_Howe", "Africa/Casablanca", "Asia/Kolkata", "Pacific/Chatham", "America/Havana"}
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 400 {
		loc := mustLoc(t, zones[i%len(zones)])
		week := randomWeek(rng)
		holidays := map[Date]bool{}
		var list []Date
		for range rng.IntN(12) {
			d := DateOf(base.AddDate(0, 0, rng.IntN(12*365)))
			holidays[d] = true
			list = append(list, d, d) // twice: a repeated holiday counts once
		}
		c, err := NewCalendar("random", loc, week, list)
		if err != nil {
			t.Fatal(err)
		}
		oracle := spanWalk{loc, week, holidays}
		for range 25 {
			start := base.Add(time.Duration(rng.Int64N(int64(11 * 365 * 24 * time.Hour)))).In(loc)
			d := time.Duration(1 + rng.Int64N(int64(2200*time.Hour)))
			switch rng.IntN(3) {
			case 0:
				d = time.Duration(1 + rng.Int64N(int64(30*time.Hour)))
			case 1: // on the spans' grid: deadlines at a closing time
				d = time.Duration(1+rng.Int64N(4000)) * 15 * time.Minute
				start = start.Truncate(15 * time.Minute)
			}
			got, want := c.Add(start, d), oracle.add(start, d)
			if !got.Equal(want) || got.Location() != want.Location() {
				t.Fatalf("%s %v holidays %v: Add(%s, %s) = %s, span walk %s", loc, week, list,
					start.Format(time.RFC3339Nano), d, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
			}
			to := start.Add(time.Duration(rng.Int64N(int64(2200 * time.Hour))))
			for _, end := range []time.Time{to, want, want.Add(-time.Nanosecond)} {
				if got, want := c.Open(start, end), oracle.open(start, end); got != want {
					t.Fatalf("%s %v holidays %v: Open(%s, %s) = %s, span walk %s", loc, week, list,
						start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano), got, want)
				}
			}
		}
	}
}
