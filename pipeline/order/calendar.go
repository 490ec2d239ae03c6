package order

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNoOpenHours is returned by NewCalendar for a calendar that is never
// open: no SLA could ever fall due under it.
var ErrNoOpenHours = errors.New("the calendar has no open hour in the week")

// Span is one open stretch of a day in wall-clock time, as offsets from the
// day's midnight: {8h, 18h} is 08:00-18:00. To may be 24h (midnight at the
// end of the day).
type Span struct{ From, To time.Duration }

// Week holds the open spans of each weekday, indexed by time.Weekday
// (Sunday = 0). A day without spans is closed.
type Week [7][]Span

// Date is a calendar day, as a holiday is written (2026-12-24).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a date written YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Calendar is a business calendar: open hours per weekday in a time zone,
// and holidays closed all day. Under a calendar an SLA's duration counts
// open time only (SPEC section 11). A nil *Calendar is open round the clock
// in UTC. A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	name     string
	loc      *time.Location
	week     Week
	holidays map[Date]bool
}

// NewCalendar returns a calendar open during week's spans in loc, closed on
// the holidays. It fails with ErrNoOpenHours when week has no open time.
func NewCalendar(name string, loc *time.Location, week Week, holidays []Date) (*Calendar, error) {
	open := false
	for _, spans := range week {
		for _, s := range spans {
			if s.From < 0 || s.To > 24*time.Hour || s.From >= s.To {
				return nil, fmt.Errorf("calendar %s: bad open span %s", name, s)
			}
			open = true
		}
	}
	if !open {
		return nil, fmt.Errorf("calendar %s: %w", name, ErrNoOpenHours)
	}
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{name: name, loc: loc, week: week, holidays: make(map[Date]bool, len(holidays))}
	for _, d := range holidays {
		c.holidays[d] = true
	}
	return c, nil
}

// Name returns the calendar's name ("" for nil: round the clock).
func (c *Calendar) Name() string {
	if c == nil {
		return ""
	}
	return c.name
}

// Location returns the calendar's time zone (UTC for nil).
func (c *Calendar) Location() *time.Location {
	if c == nil {
		return time.UTC
	}
	return c.loc
}

// maxCalendarDays bounds the days Add and Open walk; NewCalendar makes sure
// every week has open time, so only a holiday list of centuries reaches it.
const maxCalendarDays = 1 << 16

// Add returns the instant at which d of open time has passed since start; a
// start outside open hours counts from the next opening. The result keeps
// start's sub-second precision and location. With a nil calendar it is
// start + d.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if c == nil || d <= 0 {
		return start.Add(d)
	}
	left := d
	var at time.Time
	c.walk(start, func(a, b time.Time) bool {
		if span := b.Sub(a); left > span {
			left -= span
			return true
		}
		at = a.Add(left)
		return false
	})
	if at.IsZero() {
		return start.Add(d) // unreachable: a calendar always opens again
	}
	return at.In(start.Location())
}

// Open returns the open time between from and to (0 if to is not after
// from). With a nil calendar it is to - from.
func (c *Calendar) Open(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if c == nil {
		return to.Sub(from)
	}
	var sum time.Duration
	c.walk(from, func(a, b time.Time) bool {
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

// walk calls f with each open interval [a, b) from start on, in order, the
// first one clipped to start, until f returns false.
func (c *Calendar) walk(start time.Time, f func(a, b time.Time) bool) {
	y, m, d := start.In(c.loc).Date()
	for i := range maxCalendarDays {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC) // the date only
		if c.holidays[DateOf(day)] {
			continue
		}
		for _, s := range c.week[day.Weekday()] {
			a, b := c.wall(day, s.From), c.wall(day, s.To)
			if !b.After(start) {
				continue
			}
			if a.Before(start) {
				a = start
			}
			if !b.After(a) {
				continue // a span inside a daylight-saving gap
			}
			if !f(a, b) {
				return
			}
		}
	}
}

// wall returns the instant of a wall-clock offset from midnight on day in
// the calendar's zone; time.Date normalises 24:00 to the next midnight.
func (c *Calendar) wall(day time.Time, off time.Duration) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, int(off), c.loc)
}

// ParseSpans reads the open hours of one weekday: "08:00-18:00", several
// separated by commas ("08:00-12:00, 13:00-18:00"), "00:00-24:00" for the
// whole day, or "" / "closed" for none. Spans must be in order and must not
// overlap.
func ParseSpans(s string) ([]Span, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "closed") {
		return nil, nil
	}
	var out []Span
	for part := range strings.SplitSeq(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%q is not a span such as 08:00-18:00", part)
		}
		a, err := parseClock(from)
		if err != nil {
			return nil, err
		}
		b, err := parseClock(to)
		if err != nil {
			return nil, err
		}
		if a >= b {
			return nil, fmt.Errorf("%q ends before it starts", part)
		}
		if len(out) > 0 && a < out[len(out)-1].To {
			return nil, fmt.Errorf("%q overlaps or precedes the span before it", part)
		}
		out = append(out, Span{a, b})
	}
	return out, nil
}

// parseClock reads HH:MM (00:00 to 24:00) as an offset from midnight.
func parseClock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, fmt.Errorf("%q is not a time of day HH:MM from 00:00 to 24:00", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func (s Span) String() string {
	f := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", d/time.Hour, d%time.Hour/time.Minute) }
	return f(s.From) + "-" + f(s.To)
}

// Weekdays are the keys of calendars.<name>.hours, indexed by time.Weekday.
var Weekdays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// WeekdayOf returns the weekday of a key such as "mon".
func WeekdayOf(key string) (time.Weekday, bool) {
	i := slices.Index(Weekdays[:], strings.ToLower(key))
	return time.Weekday(i), i >= 0
}
