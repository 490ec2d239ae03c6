package main

import (
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

func TestResolveMemoryLimit(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		setting   config.MemoryLimit
		env       bool
		container int64
		want      int64
		source    string
	}{
		{"auto", false, 0, 0, "no container memory limit"},
		{"auto", false, 512 << 20, 448 << 20, "7/8 of the container's memory limit 512MiB"},
		{"AUTO", false, 2 * gib, 1792 << 20, "7/8 of the container's memory limit 2GiB"},
		{"auto", true, 512 << 20, 0, "GOMEMLIMIT"},
		{"off", false, 512 << 20, 0, "instance.memory_limit off"},
		{"1200MiB", true, 512 << 20, 1200 << 20, "instance.memory_limit"},
	}
	for _, tt := range tests {
		got := resolveMemoryLimit(tt.setting, tt.env, tt.container)
		if got.bytes != tt.want || got.source != tt.source {
			t.Errorf("resolveMemoryLimit(%q, env %v, container %d) = %d %q, want %d %q",
				tt.setting, tt.env, tt.container, got.bytes, got.source, tt.want, tt.source)
		}
	}
}

func TestContainerMemoryLimit(t *testing.T) {
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		cgroup string
		files  map[string]string
		want   int64
	}{
		{"v2 in a container's namespace", "0::/\n", map[string]string{"memory.max": "536870912\n"}, 512 << 20},
		{"v2 without a limit", "0::/\n", map[string]string{"memory.max": "max\n"}, 0},
		{"v2, the parent's limit is smaller", "0::/kubepods/pod1/c1\n", map[string]string{
			"memory.max": "max\n", "kubepods/memory.max": "max\n", "kubepods/pod1/memory.max": "268435456\n",
			"kubepods/pod1/c1/memory.max": "536870912\n"}, 256 << 20},
		{"v1", "12:cpu,cpuacct:/x\n11:memory:/docker/abc\n", map[string]string{
			"memory/docker/abc/memory.limit_in_bytes": "1073741824\n"}, 1 << 30},
		{"v1 unlimited", "11:memory:/\n", map[string]string{
			"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0},
		{"no cgroup file system", "0::/\n", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(filepath.Join(dir, "cgroup"), tt.cgroup)
			for name, content := range tt.files {
				write(filepath.Join(dir, "fs", name), content)
			}
			if got := containerMemoryLimit(filepath.Join(dir, "cgroup"), filepath.Join(dir, "fs")); got != tt.want {
				t.Errorf("containerMemoryLimit = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestMemoryLimitInForce runs the binary and reads the limit the Go runtime
// has in force from /metrics: instance.memory_limit wins over GOMEMLIMIT,
// and "auto" (the default) leaves GOMEMLIMIT as it is. Not parallel: it
// sets GOMEMLIMIT in the environment the binary inherits.
func TestMemoryLimitInForce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Setenv("GOMEMLIMIT", "200MiB")
	for _, tt := range []struct {
		setting string
		want    int64
	}{{"1200MiB", 1200 << 20}, {"auto", 200 << 20}} {
		t.Run(tt.setting, func(t *testing.T) {
			r := newCrashRig(t)
			r.start("--instance.memory_limit", tt.setting, "--monitor.listen", "127.0.0.1:0", "--log.level", "info")
			addr := monitorAddr(t, r.proc.out)
			_, text := pipelinetest.Get(t, "http://"+addr+"/metrics")
			if got := metricValue(t, text, "ordertrack_go_gc_gomemlimit_bytes"); got != float64(tt.want) {
				t.Errorf("ordertrack_go_gc_gomemlimit_bytes = %v, want %d (%s)", got, tt.want, strconv.FormatInt(tt.want>>20, 10)+"MiB")
			}
			r.signal(syscall.SIGTERM)
		})
	}
}
