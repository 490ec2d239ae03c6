package config

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeFile writes a YAML file into a temporary directory and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadLayers(t *testing.T) {
	const file = "sla:\n  processing: 1h\n  shipping: 2h\n  delivery: 3h\n"
	tests := []struct {
		name      string
		yaml      string
		env       []string
		overrides map[string]string
		want      func(*Config)
	}{
		{name: "defaults"},
		{
			name: "file over defaults",
			yaml: file,
			want: func(c *Config) {
				c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery = time.Hour, 2*time.Hour, 3*time.Hour
			},
		},
		{
			name: "env over file",
			yaml: file,
			env:  []string{"ORDERTRACK_SLA__SHIPPING=4h", "ORDERTRACK_SLA__DELIVERY=5 hours", "HOME=/home/x", "ordertrack_sla__processing=9h"},
			want: func(c *Config) {
				c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery = time.Hour, 4*time.Hour, 5*time.Hour
			},
		},
		{
			name:      "overrides over env",
			yaml:      file,
			env:       []string{"ORDERTRACK_SLA__SHIPPING=4h", "ORDERTRACK_SLA__DELIVERY=5h"},
			overrides: map[string]string{"sla.delivery": "6h"},
			want: func(c *Config) {
				c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery = time.Hour, 4*time.Hour, 6*time.Hour
			},
		},
		{
			name: "nested env key and every type",
			env: []string{
				"ORDERTRACK_NATS__EMBEDDED__STORE_DIR=/x",
				"ORDERTRACK_NATS__TLS__INSECURE=true",
				"ORDERTRACK_STREAMING__PARTITIONS=16",
				"ORDERTRACK_GENERATOR__RATE=2.5",
				"ORDERTRACK_GENERATOR__SEED=-7",
			},
			want: func(c *Config) {
				c.NATS.Embedded.StoreDir, c.NATS.TLS.Insecure = "/x", true
				c.Streaming.Partitions, c.Generator.Rate, c.Generator.Seed = 16, 2.5, -7
			},
		},
		{
			name: "YAML scalars of other types",
			yaml: "nats:\n  user: admin\n  password: 12345\ngenerator:\n  enabled: false\n  seed: 9007199254740993\noutput:\n  max_rows: 1e2\n  console: no\nstreaming:\n  trigger_interval: 0\n",
			want: func(c *Config) {
				c.NATS.User, c.NATS.Password = "admin", "12345"
				c.Generator.Enabled, c.Generator.Seed = "false", 9007199254740993
				c.Output.MaxRows, c.Output.Console = 100, false
			},
		},
		{
			name:      "empty override clears a string",
			overrides: map[string]string{"monitor.listen": ""},
			want:      func(c *Config) { c.Monitor.Listen = "" },
		},
		{
			name: "empty sections and empty string values",
			yaml: "sla:\nretention: {}\nnats:\n  token:\n",
		},
		{
			name:      "Spark-style trigger interval",
			overrides: map[string]string{"streaming.trigger_interval": "10 seconds"},
			want:      func(c *Config) { c.Streaming.TriggerInterval = 10 * time.Second },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.yaml)
			got, err := Load(path, tt.env, tt.overrides)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := Default()
			if tt.want != nil {
				tt.want(&want)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestLoadDefaultFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	c, err := Load("", nil, nil)
	if err != nil || !reflect.DeepEqual(c, Default()) {
		t.Fatalf("Load without config.yaml = %+v, %v; want defaults", c, err)
	}
	if err := os.WriteFile(filepath.Join(dir, DefaultFile), []byte("log:\n  level: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load("", nil, nil)
	if err != nil || c.Log.Level != "debug" {
		t.Fatalf("Load with ./config.yaml: level %q, %v; want debug", c.Log.Level, err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		env       []string
		overrides map[string]string
		wantKind  error
		want      []string
	}{
		{
			name:     "unknown key in file",
			yaml:     "sla:\n  procesing: 1h\n",
			wantKind: ErrUnknownKey,
			want:     []string{`config key "sla.procesing": unknown key (file `, "did you mean sla.processing?"},
		},
		{
			name:     "unknown section in file",
			yaml:     "slas:\n  processing: 1h\n",
			wantKind: ErrUnknownKey,
			want:     []string{`config key "slas.processing": unknown key (file `},
		},
		{
			name:     "section given a value",
			yaml:     "sla: 1h\n",
			wantKind: ErrUnknownKey,
			want:     []string{`config key "sla": is a section, not a value`, "such as sla.calendar"},
		},
		{
			name:     "unknown env key",
			env:      []string{"ORDERTRACK_SLA__PROCESING=1h"},
			wantKind: ErrUnknownKey,
			want:     []string{`config key "sla.procesing": unknown key (environment ORDERTRACK_SLA__PROCESING)`, "did you mean ORDERTRACK_SLA__PROCESSING?"},
		},
		{
			name:     "env with a single underscore",
			env:      []string{"ORDERTRACK_NATS_URL=nats://x:4222"},
			wantKind: ErrUnknownKey,
			want:     []string{`config key "nats_url": unknown key (environment ORDERTRACK_NATS_URL)`, "did you mean ORDERTRACK_NATS__URL?"},
		},
		{
			name:      "unknown override",
			overrides: map[string]string{"sla.procesing": "1h"},
			wantKind:  ErrUnknownKey,
			want:      []string{`config key "sla.procesing": unknown key (flag --sla.procesing)`, "did you mean --sla.processing?"},
		},
		{
			name:     "plain number as duration",
			yaml:     "streaming:\n  ack_wait: 30\n",
			wantKind: ErrInvalidValue,
			want:     []string{`config key "streaming.ack_wait"`, "use a unit, e.g. 30s", "(file "},
		},
		{
			name:     "bad duration in env",
			env:      []string{"ORDERTRACK_SLA__PROCESSING=3 fortnights"},
			wantKind: ErrInvalidValue,
			want:     []string{`config key "sla.processing": invalid duration "3 fortnights"`, "(environment ORDERTRACK_SLA__PROCESSING)"},
		},
		{
			name:     "bad int in env",
			env:      []string{"ORDERTRACK_STREAMING__PARTITIONS=eight"},
			wantKind: ErrInvalidValue,
			want:     []string{`config key "streaming.partitions": must be a whole number, not "eight"`},
		},
		{
			name:     "fractional int in file",
			yaml:     "streaming:\n  max_batch: 1.5\n",
			wantKind: ErrInvalidValue,
			want:     []string{`config key "streaming.max_batch": must be a whole number, not "1.5"`},
		},
		{
			name:      "bad bool override",
			overrides: map[string]string{"output.console": "maybe"},
			wantKind:  ErrInvalidValue,
			want:      []string{`config key "output.console": must be true or false, not "maybe" (flag --output.console)`},
		},
		{
			name:      "bad float override",
			overrides: map[string]string{"generator.rate": "fast"},
			wantKind:  ErrInvalidValue,
			want:      []string{`config key "generator.rate": must be a number, not "fast"`},
		},
		{
			name:     "list for a string",
			yaml:     "nats:\n  url: [a, b]\n",
			wantKind: ErrInvalidValue,
			want:     []string{`config key "nats.url": must be a single value, not a list`},
		},
		{
			name:      "enum fails validation after merging",
			overrides: map[string]string{"sla.clock": "wall"},
			wantKind:  ErrInvalidValue,
			want:      []string{`config key "sla.clock": must be one of event, processing (got "wall")`},
		},
		{
			name:      "problems of all layers at once",
			yaml:      "sla:\n  procesing: 1h\n",
			env:       []string{"ORDERTRACK_LOG__LEVL=debug"},
			overrides: map[string]string{"streaming.partitions": "x"},
			wantKind:  ErrUnknownKey,
			want:      []string{`"sla.procesing"`, `"log.levl"`, `"streaming.partitions"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tt.yaml), tt.env, tt.overrides)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !errors.Is(err, tt.wantKind) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantKind)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(missing, nil, nil)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `config file "`+missing+`" does not exist`) {
		t.Errorf("missing file: %v", err)
	}
	bad := writeFile(t, "sla:\n  processing: 1h\n   shipping: [\n")
	_, err = Load(bad, nil, nil)
	if err == nil || !strings.Contains(err.Error(), `config file "`+bad+`"`) || !strings.Contains(err.Error(), "yaml") {
		t.Errorf("YAML syntax error: %v", err)
	}
}

// TestShippedConfig checks that ../config.yaml loads, holds exactly the
// defaults, and documents every key with a comment line above it.
func TestShippedConfig(t *testing.T) {
	const path = "../config.yaml"
	c, err := Load(path, nil, nil)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("%s differs from Default():\n%+v\n%+v", path, c, Default())
	}
	documented := yamlKeys(t, path)
	for _, k := range Keys() {
		if !documented[k.Name] {
			t.Errorf("key %s is missing from %s or has no comment line above it", k.Name, path)
		}
	}
}

// yamlKeys returns the dotted leaf keys of a two-space-indented YAML file
// that have a comment on the line above.
func yamlKeys(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	var stack []string
	prev := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
			name, value, _ := strings.Cut(trimmed, ":")
			depth := (len(line) - len(strings.TrimLeft(line, " "))) / 2
			stack = append(stack[:min(depth, len(stack))], name)
			if strings.TrimSpace(value) != "" {
				out[strings.Join(stack, ".")] = strings.HasPrefix(prev, "#")
			}
		}
		prev = trimmed
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKeys(t *testing.T) {
	keys := Keys()
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Name
		if k.Help == "" {
			t.Errorf("key %s has no help text", k.Name)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("Keys() not sorted: %v", names)
	}
	if len(keyHelp()) != len(keys) {
		t.Errorf("keyHelp has %d entries for %d keys", len(keyHelp()), len(keys))
	}
	want := map[string]string{
		"sla.processing":             "24h",
		"sla.delivery":               "168h",
		"streaming.trigger_interval": "0s",
		"streaming.duplicate_window": "10m",
		"nats.url":                   "",
		"nats.replicas":              "1",
		"output.console":             "true",
		"generator.rate":             "20",
		"nats.embedded.store_dir":    "./data",
	}
	for _, k := range keys {
		if w, ok := want[k.Name]; ok && k.Default != w {
			t.Errorf("Keys() default of %s = %q, want %q", k.Name, k.Default, w)
		}
		delete(want, k.Name)
	}
	if len(want) > 0 {
		t.Errorf("Keys() lacks %v", want)
	}
}

// TestKeysDefaultsRoundTrip feeds every rendered default back as a flag.
func TestKeysDefaultsRoundTrip(t *testing.T) {
	overrides := map[string]string{}
	for _, k := range Keys() {
		overrides[k.Name] = k.Default
	}
	c, err := Load(writeFile(t, ""), nil, overrides)
	if err != nil || !reflect.DeepEqual(c, Default()) {
		t.Fatalf("Load(defaults as flags) = %+v, %v; want Default()", c, err)
	}
}
