package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// configMapDir lays out a directory as the kubelet mounts a ConfigMap
// volume: the data in a timestamped directory, ..data a symlink to it, and
// config.yaml a symlink to ..data/config.yaml.
type configMapDir struct {
	dir, current string
}

func newConfigMapDir(t *testing.T, yaml string) *configMapDir {
	t.Helper()
	c := &configMapDir{dir: t.TempDir()}
	c.update(t, "..2026_12_04_17_00_00.000000001", yaml)
	if err := os.Symlink(filepath.Join("..data", "config.yaml"), filepath.Join(c.dir, "config.yaml")); err != nil {
		t.Fatal(err)
	}
	return c
}

// update publishes new contents as the kubelet's atomic writer does: a new
// timestamped directory, a ..data_tmp symlink to it renamed over ..data,
// then the old directory removed. The config.yaml symlink never changes.
func (c *configMapDir) update(t *testing.T, stamp, yaml string) {
	t.Helper()
	if err := os.Mkdir(filepath.Join(c.dir, stamp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, stamp, "config.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(c.dir, "..data_tmp")
	if err := os.Symlink(stamp, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if c.current != "" {
		if err := os.RemoveAll(filepath.Join(c.dir, c.current)); err != nil {
			t.Fatal(err)
		}
	}
	c.current = stamp
}

// A ConfigMap mounted as a directory is updated by swapping the ..data
// symlink; the file the reloader watches is never written. Each swap must
// still reload, the second one too (after the first directory is gone).
func TestReloadOnConfigMapUpdate(t *testing.T) {
	cm := newConfigMapDir(t, "sla:\n  processing: 1h\n")
	k := startReloadKit(t, filepath.Join(cm.dir, "config.yaml"))
	cm.update(t, "..2026_12_04_17_05_00.000000002", "sla:\n  processing: 2h\n")
	pipelinetest.WaitFor(t, 2*time.Second, processingIs(k.live, 2*time.Hour))
	cm.update(t, "..2026_12_04_17_10_00.000000003", "sla:\n  processing: 3h\n")
	pipelinetest.WaitFor(t, 2*time.Second, processingIs(k.live, 3*time.Hour))
	if a, r := k.r.Counts(); a != 2 || r != 0 {
		t.Errorf("counts applied %d rejected %d, want 2 0", a, r)
	}
}
