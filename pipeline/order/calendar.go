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
	name string
	loc  *time.Location
	week Week
	// dayOpen is each weekday's open time on a day of 24 hours, weekOpen
	// their sum: whole weeks are counted by multiplication.
	dayOpen  [7]time.Duration
	weekOpen time.Duration
	// holidays are civil day numbers (days since 1970-01-01), sorted and
	// unique, found by binary search; holidayOpen[i] is the open time the
	// first i holidays take from their weekdays.
	holidays    []int64
	holidayOpen []time.Duration
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
	c := &Calendar{name: name, loc: loc, week: week}
	for wd, spans := range week {
		for _, s := range spans {
			c.dayOpen[wd] += s.To - s.From
		}
		c.weekOpen += c.dayOpen[wd]
	}
	for _, d := range holidays {
		if n := dayNumber(d.Year, d.Month, d.Day); civilDate(n) == d { // an impossible date is never a holiday
			c.holidays = append(c.holidays, n)
		}
	}
	slices.Sort(c.holidays)
	c.holidays = slices.Compact(c.holidays)
	c.holidayOpen = make([]time.Duration, len(c.holidays)+1)
	for i, n := range c.holidays {
		c.holidayOpen[i+1] = c.holidayOpen[i] + c.dayOpen[weekdayOf(n)]
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
//
// Days are not walked one by one where the zone keeps one UTC offset: there
// whole weeks count weekOpen each less their holidays, then whole days their
// weekday's open time. Only the first day, the day the result falls on and
// days of a daylight-saving change are walked span by span.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if c == nil || d <= 0 {
		return start.Add(d)
	}
	left := d
	day := dayOf(start.In(c.loc))
	plain := 0 // days from day on known to keep one offset
	for i := 0; i < maxCalendarDays; {
		if i > 0 {
			if plain <= 0 {
				plain = c.plainDays(day, maxCalendarDays-i)
			}
			if n, open := c.consume(day, plain, left); n > 0 {
				day, i, left, plain = day+int64(n), i+n, left-open, plain-n
				continue
			}
		}
		var at time.Time
		found := !c.spansOn(day, start, func(a, b time.Time) bool {
			if span := b.Sub(a); left > span {
				left -= span
				return true
			}
			at = a.Add(left)
			return false
		})
		if found {
			return at.In(start.Location())
		}
		day, i, plain = day+1, i+1, plain-1
	}
	return start.Add(d) // unreachable: a calendar always opens again
}

// Open returns the open time between from and to (0 if to is not after
// from). With a nil calendar it is to - from. Whole days between the two
// are counted as Add counts them.
func (c *Calendar) Open(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if c == nil {
		return to.Sub(from)
	}
	var sum time.Duration
	day, last := dayOf(from.In(c.loc)), dayOf(to.In(c.loc))
	for i := 0; i < maxCalendarDays; {
		if i > 0 && day < last-1 { // a day's margin before to's day
			if n := c.plainDays(day, min(int(last-1-day), maxCalendarDays-i)); n > 0 {
				sum += c.openDays(day, n)
				day, i = day+int64(n), i+n
				continue
			}
		}
		more := c.spansOn(day, from, func(a, b time.Time) bool {
			if !a.Before(to) {
				return false
			}
			if to.Before(b) {
				b = to
			}
			sum += b.Sub(a)
			return b.Before(to)
		})
		if !more {
			return sum
		}
		day, i = day+1, i+1
	}
	return sum
}

// spansOn calls f with each open interval [a, b) of a civil day, in order,
// clipped to start, until f returns false; it reports whether f never did.
func (c *Calendar) spansOn(day int64, start time.Time, f func(a, b time.Time) bool) bool {
	if c.holiday(day) {
		return true
	}
	y, m, d := civil(day)
	for _, s := range c.week[weekdayOf(day)] {
		a, b := c.wall(y, m, d, s.From), c.wall(y, m, d, s.To)
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
			return false
		}
	}
	return true
}

// plainDays returns how many whole days from day on (at most limit) keep
// one UTC offset from their midnight to the next: each is 24 hours long, so
// its open time is its weekday's. 0 when day's midnight is itself skipped
// or repeated by a daylight-saving change.
func (c *Calendar) plainDays(day int64, limit int) int {
	y, m, d := civil(day)
	mid := time.Date(y, m, d, 0, 0, 0, 0, c.loc)
	if hh, mm, ss := mid.Clock(); hh != 0 || mm != 0 || ss != 0 || mid.Day() != d {
		return 0
	}
	_, end := mid.ZoneBounds()
	if end.IsZero() { // no change ahead
		return max(limit, 0)
	}
	return max(min(int((end.Sub(mid)-1)/(24*time.Hour)), limit), 0)
}

// consume counts whole days of open time from day on, at most n, while it
// stays below left: whole weeks by multiplication, then at most a week day
// by day. It returns the days counted and their open time.
func (c *Calendar) consume(day int64, n int, left time.Duration) (int, time.Duration) {
	done, open := 0, time.Duration(0)
	if q := min(n/7, int((left-1)/c.weekOpen)); q > 0 {
		done = 7 * q
		open = c.openDays(day, done)
	}
	for k := 0; k < 7 && done < n; k++ {
		o := c.dayOpen[weekdayOf(day+int64(done))]
		if c.holiday(day + int64(done)) {
			o = 0
		}
		if open+o >= left {
			break
		}
		open += o
		done++
	}
	return done, open
}

// openDays is the open time of n whole plain days from day on.
func (c *Calendar) openDays(day int64, n int) time.Duration {
	sum := time.Duration(n/7) * c.weekOpen
	for k := n - n%7; k < n; k++ {
		sum += c.dayOpen[weekdayOf(day+int64(k))]
	}
	i, _ := slices.BinarySearch(c.holidays, day)
	j, _ := slices.BinarySearch(c.holidays, day+int64(n))
	return sum - (c.holidayOpen[j] - c.holidayOpen[i])
}

func (c *Calendar) holiday(day int64) bool {
	_, ok := slices.BinarySearch(c.holidays, day)
	return ok
}

// dayNumber is the civil day number of a date: days since 1970-01-01.
func dayNumber(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / (24 * 60 * 60) // exact: a UTC midnight
}

// dayOf is the civil day number of t's date in t's location.
func dayOf(t time.Time) int64 {
	y, m, d := t.Date()
	return dayNumber(y, m, d)
}

// civil is the date of a civil day number.
func civil(day int64) (int, time.Month, int) {
	return time.Unix(day*24*60*60, 0).UTC().Date()
}

func civilDate(day int64) Date {
	y, m, d := civil(day)
	return Date{y, m, d}
}

// weekdayOf is the weekday of a civil day number (1970-01-01 was a Thursday).
func weekdayOf(day int64) time.Weekday {
	return time.Weekday(((day % 7) + 7 + int64(time.Thursday)) % 7)
}

// wall returns the instant of a wall-clock offset from midnight on a date
// in the calendar's zone; time.Date normalises 24:00 to the next midnight.
func (c *Calendar) wall(y int, m time.Month, d int, off time.Duration) time.Time {
	return time.Date(y, m, d, 0, 0, 0, int(off), c.loc)
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
