package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestOverride(t *testing.T) {
	demo := Default().Resolve() // the embedded demo: demo SLAs, rules, calendar, warnings
	tests := []struct {
		name string
		base Config
		sets []string
		want func(*Config)
	}{
		{"one duration on the demo keeps its rules and warnings", demo, []string{"sla.processing=3s"},
			func(c *Config) { c.SLA.Processing = 3 * time.Second }},
		{"repeated, a list and a spelled duration", Default(), []string{"sla.shipping=2 days", "sla.warn_at=0.5,0.9", "sla.shipping=1d"},
			func(c *Config) { c.SLA.Shipping, c.SLA.WarnAt = 24*time.Hour, []float64{0.5, 0.9} }},
		{"a value with '='", Default(), []string{"instance.name=a=b"}, func(c *Config) { c.Instance.Name = "a=b" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Override(tt.base, tt.sets)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.base
			want.SLA.WarnAt = append([]float64(nil), tt.base.SLA.WarnAt...)
			if tt.base.SLA.WarnAt == nil {
				want.SLA.WarnAt = nil
			}
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Override =\n%+v\nwant\n%+v", got.SLA, want.SLA)
			}
		})
	}
	if demo.SLA.Processing != 10*time.Second {
		t.Errorf("Override changed its argument: processing %s", demo.SLA.Processing)
	}
}

func TestOverrideErrors(t *testing.T) {
	tests := []struct {
		sets []string
		want string
		kind error
	}{
		{[]string{"sla.procesing=3s"}, `config key "sla.procesing": unknown key (--set sla.procesing); did you mean sla.processing?`, ErrUnknownKey},
		{[]string{"sla.processing=soon"}, `config key "sla.processing": `, ErrInvalidValue},
		{[]string{"sla.processing=-3s"}, `config key "sla.processing"`, ErrInvalidValue},
		{[]string{"sla.processing"}, `--set "sla.processing": want key=value, such as sla.processing=12h`, nil},
		{[]string{"calendars.x.timezone=UTC"}, `config key "calendars.x.timezone": cannot be set with --set`, ErrInvalidValue},
	}
	for _, tt := range tests {
		_, err := Override(Default(), tt.sets)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Override(%q) error %v, want %q", tt.sets, err, tt.want)
			continue
		}
		if tt.kind != nil && !errors.Is(err, tt.kind) {
			t.Errorf("Override(%q): errors.Is(%v, %v) = false", tt.sets, err, tt.kind)
		}
	}
}
