package config

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

type reloadKit struct {
	path   string
	live   *Live
	r      *Reloader
	logs   *pipelinetest.Buffer
	hup    chan os.Signal
	mu     sync.Mutex
	applys []Config
}

func newReloadKit(t *testing.T, yaml string) *reloadKit {
	t.Helper()
	return startReloadKit(t, writeFile(t, yaml))
}

// startReloadKit runs a Reloader watching the configuration file at path.
func startReloadKit(t *testing.T, path string) *reloadKit {
	t.Helper()
	k := &reloadKit{path: path, logs: &pipelinetest.Buffer{}, hup: make(chan os.Signal, 1)}
	cfg, err := Load(k.path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	k.live = NewLive(cfg, time.Now())
	k.r = &Reloader{
		Live: k.live, File: k.path, Debounce: 50 * time.Millisecond,
		Load: func() (Config, error) { return Load(k.path, nil, nil) },
		Log:  slog.New(slog.NewTextHandler(k.logs, nil)),
		Apply: func(c Config) {
			k.mu.Lock()
			defer k.mu.Unlock()
			k.applys = append(k.applys, c)
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = k.r.Run(ctx, k.hup) }()
	t.Cleanup(func() { cancel(); <-done })
	<-k.r.Watching()
	return k
}

// write replaces the file the way editors do: a new file renamed over it.
func (k *reloadKit) write(t *testing.T, yaml string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(k.path), ".config.yaml.swp")
	if err := os.WriteFile(tmp, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, k.path); err != nil {
		t.Fatal(err)
	}
}

// processingIs says what sla.processing is in force until it is want.
func processingIs(live *Live, want time.Duration) func() error {
	return func() error {
		if got := live.Config().SLA.Processing; got != want {
			return fmt.Errorf("sla.processing in force is %s, want %s", got, want)
		}
		return nil
	}
}

func TestReloadOnFileChange(t *testing.T) {
	k := newReloadKit(t, "sla:\n  processing: 1h\n")
	before := k.live.Hash()
	k.write(t, "sla:\n  processing: 2h\noutput:\n  max_rows: 7\n")
	pipelinetest.WaitFor(t, 5*time.Second, processingIs(k.live, 2*time.Hour))
	if k.live.Config().Output.MaxRows != 7 || k.live.Hash() == before {
		t.Errorf("after reload: max_rows %d, hash %s (was %s)", k.live.Config().Output.MaxRows, k.live.Hash(), before)
	}
	if a, r := k.r.Counts(); a != 1 || r != 0 {
		t.Errorf("counts applied %d rejected %d, want 1 0", a, r)
	}
	// Writing in place (not renamed) is seen too, and an editor that
	// removes and re-creates the file does not end the watch.
	if err := os.WriteFile(k.path, []byte("sla:\n  processing: 3h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pipelinetest.WaitFor(t, 5*time.Second, processingIs(k.live, 3*time.Hour))
	if err := os.Remove(k.path); err != nil {
		t.Fatal(err)
	}
	k.write(t, "sla:\n  processing: 4h\n")
	pipelinetest.WaitFor(t, 5*time.Second, processingIs(k.live, 4*time.Hour)) // after remove and create
}

func TestReloadRejectsInvalidFile(t *testing.T) {
	k := newReloadKit(t, "sla:\n  processing: 1h\n")
	for i, bad := range []string{"sla:\n  processing: -5m\n", "sla:\n  procesing: 2h\n", "sla: [\n"} {
		k.write(t, bad)
		pipelinetest.WaitFor(t, 5*time.Second, func() error {
			if _, r := k.r.Counts(); r != uint64(i+1) {
				return fmt.Errorf("%d rejections after bad file %d, want %d", r, i+1, i+1)
			}
			return nil
		})
	}
	if got := k.live.Config().SLA.Processing; got != time.Hour {
		t.Errorf("processing = %s after invalid files, want the old 1h", got)
	}
	logs := k.logs.String()
	for _, want := range []string{`config key \"sla.processing\": negative duration`, `keys=[sla.procesing]`, "did you mean", "reload rejected"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.applys) != 0 {
		t.Errorf("Apply called %d times for rejected files", len(k.applys))
	}
}

func TestReloadKeepsRestartKeys(t *testing.T) {
	k := newReloadKit(t, "streaming:\n  partitions: 4\nlog:\n  level: info\n")
	k.write(t, "streaming:\n  partitions: 6\nlog:\n  level: debug\n")
	pipelinetest.WaitFor(t, 5*time.Second, func() error {
		if got := k.live.Config().Log.Level; got != "debug" {
			return fmt.Errorf("log.level in force is %q, want debug", got)
		}
		return nil
	})
	if p := k.live.Config().Streaming.Partitions; p != 4 {
		t.Errorf("partitions = %d, want the running 4", p)
	}
	if logs := k.logs.String(); !strings.Contains(logs, "needs a restart") || !strings.Contains(logs, "key=streaming.partitions") {
		t.Errorf("no restart warning naming streaming.partitions:\n%s", logs)
	}
}

func TestReloadOnSIGHUP(t *testing.T) {
	path := writeFile(t, "sla:\n  processing: 1h\n")
	before := time.Now()
	r := &Reloader{Live: NewLive(Default(), before), Load: func() (Config, error) { return Load(path, nil, nil) }}
	hup := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx, hup) }()
	defer func() { cancel(); <-done }()
	hup <- os.Interrupt
	pipelinetest.WaitFor(t, 5*time.Second, processingIs(r.Live, time.Hour))
	if !r.Live.LoadedAt().After(before) {
		t.Errorf("LoadedAt %v not after %v", r.Live.LoadedAt(), before)
	}
}

func TestMerge(t *testing.T) {
	run := Default()
	next := Default()
	next.SLA.Processing = time.Minute
	next.Notify.MaxAttempts = 2
	next.Log.Level = "debug"
	next.Log.Format = "json"
	next.Streaming.MaxBatch = 9
	next.Calendars = map[string]Calendar{"wh": {Timezone: "Europe/Berlin", Hours: map[string]string{"mon": "08:00-18:00"}}}
	next.Instance.Name = "other"
	got, restart := Merge(run, next)
	if got.SLA.Processing != time.Minute || got.Notify.MaxAttempts != 2 || got.Log.Level != "debug" || got.Calendars["wh"].Timezone != "Europe/Berlin" {
		t.Errorf("live keys not taken: %+v", got)
	}
	if got.Log.Format != "text" || got.Streaming.MaxBatch != run.Streaming.MaxBatch {
		t.Errorf("restart keys changed: %+v", got)
	}
	if want := []string{"instance.name", "log.format", "streaming.max_batch"}; !slices.Equal(restart, want) {
		t.Errorf("restart = %v, want %v", restart, want)
	}
	if Hash(run) == Hash(got) || Hash(run) != Hash(Default()) {
		t.Error("Hash does not follow the configuration")
	}
	other := run
	other.Instance.Name = "another-instance"
	if Hash(other) != Hash(run) {
		t.Error("Hash depends on instance.name")
	}
	if !IsLive("calendars") || !IsLive("calendars.wh.timezone") || !IsLive("sla.rules") || IsLive("slab") || IsLive("log.format") {
		t.Error("IsLive")
	}
}
