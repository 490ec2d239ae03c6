package config

import (
	"fmt"
	"reflect"
	"time"

	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// AddFlags registers one flag per configuration key on fs, such as
// --sla.processing, with the key's built-in default and help text. Values
// are kept as typed, so that the flag layer accepts what the file and the
// environment accept ("3 days", "auto"); LoadFlags checks them.
func AddFlags(fs *pflag.FlagSet) {
	byName := fieldsByName()
	for _, k := range Keys() {
		v := &keyValue{s: k.Default, typ: typeName(byName[k.Name].typ)}
		fs.Var(v, k.Name, k.Help)
	}
}

// IsKey reports whether name is a configuration key (and so a flag of
// AddFlags).
func IsKey(name string) bool {
	_, ok := fieldsByName()[name]
	return ok
}

// LoadFlags is Load with the flag layer read from fs: only the flags of
// AddFlags that were set on the command line override the other layers.
// Other flags of fs are ignored.
func LoadFlags(file string, environ []string, fs *pflag.FlagSet) (Config, error) {
	flags, err := readFlags(fs)
	if err != nil {
		return Config{}, err
	}
	return load(file, environ, flags)
}

// readFlags reads the changed configuration flags of fs with koanf's
// posflag provider.
func readFlags(fs *pflag.FlagSet) (*layer, error) {
	known := fieldsByName()
	k := koanf.New(".")
	// With no koanf instance to consult, posflag keeps only changed flags.
	p := posflag.ProviderWithFlag(fs, ".", nil, func(f *pflag.Flag) (string, any) {
		if _, ok := known[f.Name]; !ok {
			return "", nil
		}
		return f.Name, f.Value.String()
	})
	if err := k.Load(p, nil); err != nil {
		return nil, fmt.Errorf("config flags: %w", err)
	}
	l := readOverrides(nil)
	l.values = k.All()
	return l, nil
}

// keyValue is the pflag.Value of a configuration flag: the text as typed,
// checked by Load with the other layers.
type keyValue struct{ s, typ string }

func (v *keyValue) String() string     { return v.s }
func (v *keyValue) Set(s string) error { v.s = s; return nil }
func (v *keyValue) Type() string       { return v.typ }

// typeName names a field's type in the flags' help.
func typeName(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "duration"
	case t == sizeType:
		return "size"
	case t.Kind() == reflect.Bool:
		return "true|false" // not "bool": pflag would show no value
	case t.Kind() == reflect.Float64:
		return "number"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "int"
	}
	return "string"
}
