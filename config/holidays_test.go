package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// icsEvents is an iCalendar file with one all-day event per [start, end)
// pair of YYYYMMDD dates, UIDs e1, e2, ...
func icsEvents(spans ...[2]string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n")
	for i, s := range spans {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:e%d\r\nDTSTART;VALUE=DATE:%s\r\nDTEND;VALUE=DATE:%s\r\nEND:VEVENT\r\n", i+1, s[0], s[1])
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

// spans returns back-to-back events starting 2000-01-01, each lasting
// the given number of days.
func spans(days ...int) [][2]string {
	var out [][2]string
	d := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range days {
		e := d.AddDate(0, 0, n)
		out = append(out, [2]string{d.Format("20060102"), e.Format("20060102")})
		d = e
	}
	return out
}

// repeat returns n copies of v.
func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// foreverICS is the 181-byte file of one all-day event from 0001-01-01 to
// 9999-12-31 that expanded to 3.65 million dates.
const foreverICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:forever\r\n" +
	"DTSTART;VALUE=DATE:00010101\r\nDTEND;VALUE=DATE:99991231\r\nSUMMARY:Always closed!\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// TestHolidaysFileBounds: an event spanning more than 366 days, or more
// than 10,000 holidays in all, fails naming the file, the event and its
// line; at the bounds the file is read.
func TestHolidaysFileBounds(t *testing.T) {
	tests := []struct {
		name    string
		ics     string
		want    string // "" = accepted
		holiday int    // holidays read when accepted
	}{
		{"0001-01-01 to 9999-12-31", foreverICS,
			`: event "forever" (line 4) spans 3652058 days from 0001-01-01 to 9999-12-31; an event may span at most 366 days`, 0},
		{"367 days", icsEvents([2]string{"20260101", "20260102"}, [2]string{"20270101", "20280103"}),
			`: event "e2" (line 9) spans 367 days from 2027-01-01 to 2028-01-03`, 0},
		{"366 days", icsEvents([2]string{"20280101", "20290101"}), "", 366},
		{"10,000 holidays", icsEvents(spans(append(repeat(366, 27), 118)...)...), "", 10000},
		{"10,001 holidays", icsEvents(spans(append(repeat(366, 27), 119)...)...),
			`: more than 10000 holidays (event "e28" (line 139) brings them to 10001); a holidays file may hold at most 10000`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h.ics")
			if err := os.WriteFile(path, []byte(tt.ics), 0o600); err != nil {
				t.Fatal(err)
			}
			var dates []string
			var err error
			// By construction, not by the clock: the bounds are checked
			// before an event is expanded, so a refused file allocates
			// about what parsing it does, not a string per day.
			allocs := testing.AllocsPerRun(1, func() { dates, err = ReadHolidays(path) })
			if tt.want == "" {
				if err != nil || len(dates) != tt.holiday {
					t.Fatalf("ReadHolidays = %d dates, %v; want %d, nil", len(dates), err, tt.holiday)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), path+tt.want) {
				t.Fatalf("ReadHolidays error %v\nwant it to contain %q", err, path+tt.want)
			}
			if dates != nil {
				t.Errorf("a refused file returned %d dates", len(dates))
			}
			if max := 20000.0; allocs > max {
				t.Errorf("refusing %s took %.0f allocations (> %.0f): expanded before checking", tt.name, allocs, max)
			}
		})
	}
	t.Run("through Load, naming the key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "forever.ics")
		if err := os.WriteFile(path, []byte(foreverICS), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(writeFile(t, "calendars:\n  x:\n    hours: {mon: \"08:00-18:00\"}\n    holidays_file: "+path+"\n"), nil, nil)
		want := `config key "calendars.x.holidays_file": ` + path + `: event "forever"`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Load error %v, want %q", err, want)
		}
	})
}
