package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Override returns c with sets applied on top, each "key=value" as typed
// on a command line (sla.processing=12h, sla.warn_at=0.5,0.75), converted
// and checked as the flag layer's values are: an unknown key names the
// nearest one, a bad value names its key, and the result is validated.
// Unlike a layer of Load, the sets go on top of c as it is, Resolve
// included: whatif --set tries one change on the configuration in force,
// demo SLAs and all. Keys under a named entry (calendars.<name>.*) are
// set in a file, not here.
func Override(c Config, sets []string) (Config, error) {
	values := make(map[string]any, len(sets))
	var errs []error
	for _, s := range sets {
		key, value, ok := strings.Cut(s, "=")
		if key = strings.TrimSpace(key); !ok || key == "" {
			errs = append(errs, fmt.Errorf("--set %q: want key=value, such as sla.processing=12h", s))
			continue
		}
		values[key] = value
	}
	l := &layer{
		name:   "--set",
		values: values,
		origin: func(key string) string { return "--set " + key },
		spell:  func(key string) string { return key },
	}
	known := fieldsByName()
	checked, lerrs := l.check(known)
	errs = append(errs, lerrs...)
	out := c
	v := reflect.ValueOf(&out).Elem()
	for key, x := range checked {
		f := known[key]
		if f.pattern || f.index == nil {
			errs = append(errs, invalid(key, "cannot be set with --set; set calendars in a file (--config)"))
			continue
		}
		v.FieldByIndex(f.index).Set(reflect.ValueOf(x).Convert(f.typ))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	if err := out.Validate(); err != nil {
		return Config{}, err
	}
	return out, nil
}
