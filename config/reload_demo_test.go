package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// TestReloadWithDemoSLAs: generator.demo_sla is not live. While the demo
// SLAs are in force they stay until a restart, whatever a reload sets
// (demo_sla itself, or sla.*), and the log says so key by key; without
// them, sla.* is live as always. Exact log lines.
func TestReloadWithDemoSLAs(t *testing.T) {
	const demoOff = "generator:\n  demo_sla: \"false\"\n"
	tests := []struct {
		name       string
		start, now string
		logs       []string // %s is the hash in force
		processing time.Duration
	}{
		{"demo on, sla.processing edited", "sla:\n  processing: 24h\n", "sla:\n  processing: 12h\n",
			[]string{`level=WARN msg="configuration key changed but the demo SLAs override it until a restart with generator.demo_sla=false" key=sla.processing`,
				`level=INFO msg="configuration reloaded; no live key changed" hash=%s`},
			10 * time.Second},
		{"demo on, demo_sla set false with SLAs", "", demoOff + "sla:\n  processing: 12h\n  shipping: 1d\n",
			[]string{`level=WARN msg="configuration key changed but needs a restart; the running value stays" key=generator.demo_sla`,
				`level=WARN msg="configuration key changed but the demo SLAs override it until a restart with generator.demo_sla=false" key=sla.processing`,
				`level=WARN msg="configuration key changed but the demo SLAs override it until a restart with generator.demo_sla=false" key=sla.shipping`,
				`level=INFO msg="configuration reloaded; no live key changed" hash=%s`},
			10 * time.Second},
		{"demo on, file unchanged", "sla:\n  processing: 24h\n", "sla:\n  processing: 24h\n",
			[]string{`level=INFO msg="configuration reloaded; no live key changed" hash=%s`},
			10 * time.Second},
		{"demo off, sla.processing edited", demoOff, demoOff + "sla:\n  processing: 12h\n",
			[]string{`level=INFO msg="configuration reloaded" changed=[sla.processing] hash=%s`},
			12 * time.Hour},
		{"demo off, demo_sla set true", demoOff + "sla:\n  processing: 12h\n", "generator:\n  demo_sla: \"true\"\nsla:\n  processing: 12h\n",
			[]string{`level=WARN msg="configuration key changed but needs a restart; the running value stays" key=generator.demo_sla`,
				`level=INFO msg="configuration reloaded; no live key changed" hash=%s`},
			12 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.start)
			loaded, err := Load(path, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			noTime := func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}
			r := &Reloader{Live: NewLive(loaded.Resolve(), time.Now()), Loaded: &loaded,
				Load: func() (Config, error) { return Load(path, nil, nil) },
				Log:  slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: noTime}))}
			if err := os.WriteFile(path, []byte(tt.now), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := r.Reload(); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, l := range tt.logs {
				if strings.Contains(l, "%s") {
					l = fmt.Sprintf(l, r.Live.Hash())
				}
				want = append(want, l)
			}
			if got := strings.Split(strings.TrimSpace(logs.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if got := r.Live.Config().SLA.Processing; got != tt.processing {
				t.Errorf("sla.processing in force %s, want %s", got, tt.processing)
			}
		})
	}
}
