package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

const (
	// DefaultFile is the file Load reads from the working directory, if it
	// exists, when no file is named.
	DefaultFile = "config.yaml"
	// EnvPrefix starts every environment variable Load reads, as in
	// ORDERTRACK_SLA__PROCESSING=12h ("__" separates the levels of a key).
	EnvPrefix = "ORDERTRACK_"
)

// Load builds the configuration from four layers, each overriding the one
// before: the defaults, the YAML file, the environment and overrides.
//
// file == "" reads DefaultFile if it exists; a named file must exist.
// environ holds "NAME=value" entries as os.Environ returns them; only
// those starting with EnvPrefix are read. overrides maps dotted keys such as
// "sla.processing" to values as typed on a command line. Unknown keys and
// bad values in any layer are reported together, each naming its key and
// layer. The result is validated.
func Load(file string, environ []string, overrides map[string]string) (Config, error) {
	return load(file, environ, readOverrides(overrides))
}

// load merges the defaults, the file, the environment and flags.
func load(file string, environ []string, flags *layer) (Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(defaultValues(), "."), nil); err != nil {
		return Config{}, fmt.Errorf("config defaults: %w", err)
	}
	fileLayer, err := readFile(file)
	if err != nil {
		return Config{}, err
	}
	envLayer, err := readEnv(environ)
	if err != nil {
		return Config{}, err
	}
	known := fieldsByName()
	var errs []error
	for _, l := range []*layer{fileLayer, envLayer, flags} {
		values, lerrs := l.check(known)
		errs = append(errs, lerrs...)
		if err := k.Load(confmap.Provider(values, "."), nil); err != nil {
			return Config{}, fmt.Errorf("config %s: %w", l.name, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	var c Config
	if err := k.UnmarshalWithConf("", &c, unmarshalConf()); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if err := errors.Join(c.readHolidayFiles(), c.readSecretFiles(), c.Validate()); err != nil {
		return Config{}, err
	}
	return c, nil
}

// unmarshalConf decodes the merged, already type-checked values.
func unmarshalConf() koanf.UnmarshalConf {
	return koanf.UnmarshalConf{
		Tag: "koanf",
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook:  mapstructure.DecodeHookFuncType(durationHook),
			ErrorUnused: true,
			TagName:     "koanf",
		},
	}
}

// layer is one source of configuration values before merging.
type layer struct {
	name   string         // "file config.yaml", "environment", "flags"
	values map[string]any // flat dotted key -> raw value
	// origin names where one key came from, e.g. "environment ORDERTRACK_X".
	origin func(key string) string
	// spell writes a key the way this layer spells it, for hints.
	spell func(key string) string
}

// FileInUse is the configuration file Load reads for file: file itself,
// else DefaultFile when present; "" for none.
func FileInUse(file string) string {
	if file != "" {
		return file
	}
	if _, err := os.Stat(DefaultFile); errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	return DefaultFile
}

// readFile reads the YAML layer; an empty layer when there is no file.
func readFile(path string) (*layer, error) {
	if path = FileInUse(path); path == "" {
		return emptyLayer("file"), nil
	}
	k := koanf.New(".")
	if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config file %q does not exist: %w", path, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("config file %q: %w", path, err)
	}
	name := "file " + path
	return &layer{
		name:   name,
		values: k.All(),
		origin: func(string) string { return name },
		spell:  func(key string) string { return key },
	}, nil
}

// emptyLayer is a layer without values.
func emptyLayer(name string) *layer {
	return &layer{name: name, values: map[string]any{}}
}

// readEnv reads the ORDERTRACK_ variables of environ.
func readEnv(environ []string) (*layer, error) {
	names := map[string]string{} // dotted key -> variable name
	k := koanf.New(".")
	err := k.Load(env.Provider(".", env.Opt{
		Prefix: EnvPrefix,
		TransformFunc: func(name, value string) (string, any) {
			key := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, EnvPrefix)), "__", ".")
			names[key] = name
			return key, value
		},
		EnvironFunc: func() []string { return environ },
	}), nil)
	if err != nil {
		return nil, fmt.Errorf("config environment: %w", err)
	}
	return &layer{
		name:   "environment",
		values: k.All(),
		origin: func(key string) string { return "environment " + orElse(names[key], envName(key)) },
		spell:  envName,
	}, nil
}

// envName is the environment variable that sets a dotted key.
func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "__"))
}

// readOverrides turns command-line overrides into a layer.
func readOverrides(overrides map[string]string) *layer {
	values := make(map[string]any, len(overrides))
	for k, v := range overrides {
		values[k] = v
	}
	flag := func(key string) string { return "--" + key }
	return &layer{
		name:   "flags",
		values: values,
		origin: func(key string) string { return "flag " + flag(key) },
		spell:  flag,
	}
}

// check converts the layer's values to their fields' types and reports
// unknown keys and bad values. It returns the good values.
func (l *layer) check(known map[string]field) (map[string]any, []error) {
	out := make(map[string]any, len(l.values))
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(l.values)) {
		raw := l.values[key]
		f, ok := lookupField(known, key)
		if !ok {
			if err := l.unknown(key, raw, known); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		v, err := convert(f.typ, raw)
		if err != nil {
			errs = append(errs, nestedKeyError(key, err, l.origin(key)))
			continue
		}
		out[key] = v
	}
	return out, errs
}

// unknown explains a key that is not a field. An empty section such as
// "sla:" with nothing under it is allowed and yields nil.
func (l *layer) unknown(key string, raw any, known map[string]field) error {
	e := &keyError{key: key, reason: "unknown key", source: l.origin(key), kind: ErrUnknownKey}
	if sub := sectionKeys(key, known); len(sub) > 0 {
		if m, ok := raw.(map[string]any); raw == nil || ok && len(m) == 0 {
			return nil
		}
		e.reason = "is a section, not a value"
		e.hint = "set its keys instead, such as " + l.spell(sub[0])
		return e
	}
	if s := suggest(key, known); s != "" {
		e.hint = "did you mean " + l.spell(s) + "?"
	}
	return e
}

// sectionKeys lists the known keys under section, sorted.
func sectionKeys(section string, known map[string]field) []string {
	var out []string
	depth := strings.Count(section, ".") + 1
	for k, f := range known {
		if strings.HasPrefix(k, section+".") {
			out = append(out, k)
			continue
		}
		// A pattern such as calendars.*.timezone has sections calendars and
		// calendars.<name>.
		if tok := strings.Split(k, "."); f.pattern && len(tok) > depth &&
			matchPattern(strings.Join(tok[:depth], "."), section) {
			out = append(out, instantiate(k, section))
		}
	}
	slices.Sort(out)
	return out
}

// suggest returns the known key closest to a misspelt one, or "".
func suggest(key string, known map[string]field) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", ".", "", "-", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", 3 // suggest only within an edit distance of 2
	for _, name := range slices.Sorted(maps.Keys(known)) {
		k := name
		if known[name].pattern {
			k = instantiate(name, key)
		}
		if norm(k) == norm(key) {
			return k
		}
		if d := editDistance(k, key); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// orElse returns a unless it is empty, else b.
func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// defaultValues flattens Default() into dotted keys.
func defaultValues() map[string]any {
	def := reflect.ValueOf(Default())
	out := map[string]any{}
	for _, f := range fields() {
		if !f.pattern && !f.container {
			out[f.name] = def.FieldByIndex(f.index).Interface()
		}
	}
	return out
}
