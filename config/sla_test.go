package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const holidaysICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:xmas\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:meeting\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261228T100000Z\r\nDTEND:20261228T110000Z\r\nSUMMARY:not a holiday\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:ny\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New Year\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func slaYAML(icsPath string) string {
	return `
sla:
  warn_at: [0.5, 0.75]
  grace: "30s"
  calendar: "ops"
  rules:
    - name: "acme-express"
      match: {tenant_id: "acme", service_level: "express"}
      processing: "4h"
      calendar: "acme-warehouse"
      warn_at: [0.9]
    - name: "pants"
      match: {item_category: "Pants"}
      delivery: "2d"
      warn_at: []
calendars:
  acme-warehouse:
    timezone: "Europe/Berlin"
    hours:
      mon: "08:00-18:00"
      fri: "08:00-18:00"
    holidays: ["2026-12-31"]
    holidays_file: "` + icsPath + `"
  ops:
    hours:
      sun: "00:00-24:00"
`
}

func TestLoadRulesAndCalendars(t *testing.T) {
	ics := filepath.Join(t.TempDir(), "holidays.ics")
	if err := os.WriteFile(ics, []byte(holidaysICS), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(writeFile(t, slaYAML(ics)), []string{"ORDERTRACK_CALENDARS__OPS__TIMEZONE=America/New_York"}, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := SLA{Recompute: RecomputeNew, Processing: 24 * time.Hour, Shipping: 72 * time.Hour, Delivery: 168 * time.Hour, Clock: ClockEvent,
		MaxClockSkew: 5 * time.Minute, Grace: 30 * time.Second, WarnAt: []float64{0.5, 0.75}, Calendar: "ops",
		Rules: []Rule{
			{Name: "acme-express", Match: Match{TenantID: "acme", ServiceLevel: "express"}, Processing: 4 * time.Hour,
				Calendar: "acme-warehouse", WarnAt: []float64{0.9}},
			{Name: "pants", Match: Match{ItemCategory: "Pants"}, Delivery: 48 * time.Hour, WarnAt: []float64{}},
		},
		Predict: Default().SLA.Predict}
	if !reflect.DeepEqual(c.SLA, want) {
		t.Errorf("sla = %+v\nwant  %+v", c.SLA, want)
	}
	if c.SLA.Rules[1].WarnAt == nil {
		t.Error("warn_at: [] in a rule decoded as nil; it must stay empty (no warnings), unlike an absent warn_at")
	}
	wantCals := map[string]Calendar{
		"acme-warehouse": {Timezone: "Europe/Berlin", Hours: map[string]string{"mon": "08:00-18:00", "fri": "08:00-18:00"},
			Holidays: []string{"2026-12-31"}, HolidaysFile: ics, FileHolidays: []string{"2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01"}},
		"ops": {Timezone: "America/New_York", Hours: map[string]string{"sun": "00:00-24:00"}},
	}
	if !reflect.DeepEqual(c.Calendars, wantCals) {
		t.Errorf("calendars = %+v\nwant        %+v", c.Calendars, wantCals)
	}
	cal, err := c.Calendars["acme-warehouse"].Compile("acme-warehouse")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// Wednesday 23 Dec is closed (only mon and fri open), the file closes
	// 24-26 Dec, the list 31 Dec: 2h from Friday 18 Dec 17:00 is 1h that
	// Friday, then Monday 21 Dec 08:00-09:00.
	got := cal.Add(time.Date(2026, 12, 18, 17, 0, 0, 0, berlin), 2*time.Hour)
	if want := time.Date(2026, 12, 21, 9, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("deadline %v, want %v", got, want)
	}
	got = cal.Add(time.Date(2026, 12, 21, 18, 0, 0, 0, berlin), time.Hour) // Fri 25 is a holiday, Mon 28 opens
	if want := time.Date(2026, 12, 28, 9, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("deadline over the file's holidays %v, want %v", got, want)
	}
}

func TestLoadWarnAtFromEnvAndFlags(t *testing.T) {
	c, err := Load(writeFile(t, ""), []string{"ORDERTRACK_SLA__WARN_AT=0.5, 0.75"}, nil)
	if err != nil || !reflect.DeepEqual(c.SLA.WarnAt, []float64{0.5, 0.75}) {
		t.Errorf("env warn_at: %v, %v", c.SLA.WarnAt, err)
	}
	c, err = Load(writeFile(t, ""), nil, map[string]string{"sla.warn_at": "[0.9]"})
	if err != nil || !reflect.DeepEqual(c.SLA.WarnAt, []float64{0.9}) {
		t.Errorf("flag warn_at: %v, %v", c.SLA.WarnAt, err)
	}
	c, err = Load(writeFile(t, ""), []string{`ORDERTRACK_SLA__RULES=[{"name":"x","match":{"tenant_id":"t"},"processing":"1h"}]`}, nil)
	if err != nil || len(c.SLA.Rules) != 1 || c.SLA.Rules[0].Processing != time.Hour {
		t.Errorf("env rules as JSON: %+v, %v", c.SLA.Rules, err)
	}
}

func TestLoadSLAErrors(t *testing.T) {
	base := "calendars:\n  ok:\n    hours:\n      mon: \"08:00-18:00\"\n"
	rule := func(body string) string { return "sla:\n  rules:\n" + body + base }
	tests := []struct {
		name string
		yaml string
		kind error
		want string
	}{
		{"unknown match field", rule("    - {name: a, match: {tenant_id: t}}\n    - {name: b, match: {colour: red}}\n"), ErrUnknownKey,
			`config key "sla.rules[1].match.colour": unknown match field (known: item_category, service_level, tenant_id)`},
		{"unknown rule key", rule("    - {name: a, match: {tenant_id: t}, procesing: 1h}\n"), ErrUnknownKey, `config key "sla.rules[0].procesing": unknown key`},
		{"bad rule duration", rule("    - {name: a, match: {tenant_id: t}, processing: soon}\n"), ErrInvalidValue, `config key "sla.rules[0].processing": `},
		{"duplicate name", rule("    - {name: a, match: {tenant_id: t}}\n    - {name: a, match: {tenant_id: u}}\n"), ErrInvalidValue,
			`config key "sla.rules[1].name": duplicate rule name "a" (also sla.rules[0])`},
		{"missing name", rule("    - {match: {tenant_id: t}}\n"), ErrInvalidValue, `config key "sla.rules[0].name": must be set`},
		{"reserved name", rule("    - {name: default, match: {tenant_id: t}}\n"), ErrInvalidValue, `config key "sla.rules[0].name": "default" is reserved`},
		{"empty match", rule("    - {name: a, match: {}}\n"), ErrInvalidValue, `config key "sla.rules[0].match": must set at least one of`},
		{"unknown calendar", rule("    - {name: a, match: {tenant_id: t}, calendar: nope}\n"), ErrInvalidValue,
			`config key "sla.rules[0].calendar": unknown calendar "nope" (configured: ok under calendars)`},
		{"rule warn_at out of range", rule("    - {name: a, match: {tenant_id: t}, warn_at: [0.5, 1.5]}\n"), ErrInvalidValue,
			`config key "sla.rules[0].warn_at[1]": must be a fraction between 0 and 1`},
		{"warn_at not ascending", "sla:\n  warn_at: [0.75, 0.5]\n", ErrInvalidValue, `config key "sla.warn_at[1]": must be greater than`},
		{"warn_at not a number", "sla:\n  warn_at: [half]\n", ErrInvalidValue, `config key "sla.warn_at[0]": must be a number`},
		{"default calendar unknown", "sla:\n  calendar: nope\n", ErrInvalidValue, `config key "sla.calendar": unknown calendar "nope" (none is configured`},
		{"negative grace", "sla:\n  grace: -1s\n", ErrInvalidValue, `config key "sla.grace": negative duration`},
		{"calendar never open", "calendars:\n  shut:\n    timezone: UTC\n", ErrInvalidValue, `config key "calendars.shut.hours": no open hour`},
		{"bad time zone", "calendars:\n  x:\n    timezone: Mars/Olympus\n    hours: {mon: \"08:00-18:00\"}\n", ErrInvalidValue,
			`config key "calendars.x.timezone": must be an IANA time zone`},
		{"unknown weekday", "calendars:\n  x:\n    hours: {funday: \"08:00-18:00\"}\n", ErrUnknownKey, `config key "calendars.x.hours.funday": unknown weekday`},
		{"bad hours", "calendars:\n  x:\n    hours: {mon: \"18:00-08:00\"}\n", ErrInvalidValue, `config key "calendars.x.hours.mon": "18:00-08:00" ends before it starts`},
		{"bad holiday", "calendars:\n  x:\n    hours: {mon: \"08:00-18:00\"}\n    holidays: [\"24.12.2026\"]\n", ErrInvalidValue,
			`config key "calendars.x.holidays[0]": "24.12.2026" is not a date`},
		{"missing holidays file", "calendars:\n  x:\n    hours: {mon: \"08:00-18:00\"}\n    holidays_file: /nonexistent.ics\n", ErrInvalidValue,
			`config key "calendars.x.holidays_file": cannot read the holidays file`},
		{"unknown calendar key", "calendars:\n  x:\n    hours: {mon: \"08:00-18:00\"}\n    timzone: UTC\n", ErrUnknownKey,
			`config key "calendars.x.timzone": unknown key (file `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tt.yaml), nil, nil)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant %v containing %q", err, tt.kind, tt.want)
			}
		})
	}
}

func TestDemoTerms(t *testing.T) {
	c := Default().Resolve() // embedded server, generator auto: the demo
	if err := c.Validate(); err != nil {
		t.Fatalf("demo configuration invalid: %v", err)
	}
	if !reflect.DeepEqual(c.SLA.WarnAt, DemoWarnAt) || len(c.SLA.Rules) != 2 || c.SLA.Rules[1].Calendar != DemoCalendar {
		t.Fatalf("demo terms: warn_at %v rules %+v", c.SLA.WarnAt, c.SLA.Rules)
	}
	cal, err := c.Calendars[DemoCalendar].Compile(DemoCalendar)
	if err != nil {
		t.Fatal(err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	start := time.Date(2026, 12, 1, 10, 8, 55, 0, tokyo)
	if got, want := cal.Add(start, 10*time.Second), time.Date(2026, 12, 1, 10, 10, 5, 0, tokyo); !got.Equal(want) {
		t.Errorf("10s from 10:08:55 under the demo calendar = %v, want %v (closed 10:09-10:10)", got, want)
	}
	own := Default()
	own.SLA.WarnAt = []float64{0.9}
	if r := own.Resolve(); !reflect.DeepEqual(r.SLA.WarnAt, []float64{0.9}) || r.SLA.Rules != nil || r.Calendars != nil {
		t.Errorf("demo replaced configured warnings: %+v", r.SLA)
	}
}
