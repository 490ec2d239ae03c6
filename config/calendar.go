package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Compile builds the calendar named name (calendars.<name>) for deadline
// arithmetic. Errors name the key: calendars.<name>.hours.mon and so on.
// FileHolidays (read by Load from holidays_file) count as holidays too.
func (c Calendar) Compile(name string) (*order.Calendar, error) {
	key := "calendars." + name
	zone := c.Timezone
	if zone == "" {
		zone = "UTC"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, invalid(key+".timezone", "must be an IANA time zone such as Europe/Berlin (got %q)", c.Timezone)
	}
	var week order.Week
	for _, day := range slices.Sorted(maps.Keys(c.Hours)) {
		wd, ok := order.WeekdayOf(day)
		if !ok {
			return nil, &keyError{key: key + ".hours." + day, reason: "unknown weekday; use " + strings.Join(order.Weekdays[:], ", "), kind: ErrUnknownKey}
		}
		spans, err := order.ParseSpans(c.Hours[day])
		if err != nil {
			return nil, invalid(key+".hours."+day, "%v", err)
		}
		week[wd] = spans
	}
	var holidays []order.Date
	for i, h := range c.Holidays {
		d, err := order.ParseDate(h)
		if err != nil {
			return nil, invalid(fmt.Sprintf("%s.holidays[%d]", key, i), "%v", err)
		}
		holidays = append(holidays, d)
	}
	for _, h := range c.FileHolidays {
		if d, err := order.ParseDate(h); err == nil {
			holidays = append(holidays, d)
		}
	}
	cal, err := order.NewCalendar(name, loc, week, holidays)
	if err != nil {
		return nil, invalid(key+".hours", "no open hour in the week: list at least one weekday such as mon: \"08:00-18:00\"")
	}
	return cal, nil
}

// readHolidayFiles fills each calendar's FileHolidays from its
// holidays_file: every all-day event is a holiday, for each day it spans.
func (c *Config) readHolidayFiles() error {
	var p problems
	for _, name := range slices.Sorted(maps.Keys(c.Calendars)) {
		cal := c.Calendars[name]
		if cal.HolidaysFile == "" {
			continue
		}
		dates, err := ReadHolidays(cal.HolidaysFile)
		if err != nil {
			p.add("calendars."+name+".holidays_file", "%v", err)
			continue
		}
		cal.FileHolidays = dates
		c.Calendars[name] = cal
	}
	return errors.Join(p...)
}

// Bounds of a holidays file: an all-day event spans at most
// MaxHolidaySpan days and a file yields at most MaxHolidays dates (SPEC
// section 7), so that a small file cannot expand to millions of dates.
const (
	MaxHolidaySpan = 366
	MaxHolidays    = 10_000
)

// ReadHolidays returns the days of the all-day events of an iCalendar
// (.ics) file as YYYY-MM-DD, in file order. It uses
// github.com/arran4/golang-ical to parse the file. An event spanning more
// than MaxHolidaySpan days, or more than MaxHolidays dates in all, fails
// naming the file, the event and its line; both are checked before an
// event is expanded.
func ReadHolidays(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the holidays file: %w", err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s is not an iCalendar file: %w", path, err)
	}
	var out []string
	for i, ev := range cal.Events() {
		if !allDay(ev) {
			continue
		}
		name := func() string { return fmt.Sprintf("event %q (line %d)", ev.Id(), eventLine(b, i)) }
		start, err := ev.GetAllDayStartAt()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, name(), err)
		}
		end, err := ev.GetAllDayEndAt()
		if err != nil || !end.After(start) {
			end = start.AddDate(0, 0, 1) // DTEND is exclusive; absent means one day
		}
		days := int((end.Unix() - start.Unix()) / (24 * 60 * 60)) // Sub would saturate at 292 years
		if days > MaxHolidaySpan {
			return nil, fmt.Errorf("%s: %s spans %d days from %s to %s; an event may span at most %d days",
				path, name(), days, start.Format(time.DateOnly), end.Format(time.DateOnly), MaxHolidaySpan)
		}
		if len(out)+days > MaxHolidays {
			return nil, fmt.Errorf("%s: more than %d holidays (%s brings them to %d); a holidays file may hold at most %d",
				path, MaxHolidays, name(), len(out)+days, MaxHolidays)
		}
		for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
			out = append(out, d.Format(time.DateOnly))
		}
	}
	return out, nil
}

// eventLine is the line of the n-th (from 0) BEGIN:VEVENT of an iCalendar
// file, for errors; 0 if not found.
func eventLine(b []byte, n int) int {
	for i, line := range bytes.Split(b, []byte("\n")) {
		if bytes.EqualFold(bytes.TrimSpace(line), []byte("BEGIN:VEVENT")) {
			if n == 0 {
				return i + 1
			}
			n--
		}
	}
	return 0
}

// allDay reports whether an event starts on a date rather than a time
// (DTSTART;VALUE=DATE:20261224).
func allDay(ev *ics.VEvent) bool {
	p := ev.GetProperty(ics.ComponentPropertyDtStart)
	if p == nil {
		return false
	}
	if v, ok := p.ICalParameters["VALUE"]; ok && len(v) > 0 && strings.EqualFold(v[0], "DATE") {
		return true
	}
	return len(strings.TrimSpace(p.Value)) == len("20060102")
}
