package main

import (
	"bufio"
	"bytes"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/ordertrack/ordertrack/config"
)

// memoryLimit is the soft memory limit a process sets itself from
// instance.memory_limit, and where it came from.
type memoryLimit struct {
	bytes  int64  // 0: leave the runtime's limit as it is
	source string // for the log
}

// resolveMemoryLimit decides the limit: a size in the configuration wins
// over GOMEMLIMIT; "auto" yields to GOMEMLIMIT (the runtime applied it
// already), else takes 7/8 of the container's limit (0: none), leaving the
// rest for goroutine stacks, the runtime and what the heap does not count.
func resolveMemoryLimit(setting config.MemoryLimit, envSet bool, container int64) memoryLimit {
	if n, _ := setting.Bytes(); n > 0 { // validated by config
		return memoryLimit{int64(n), "instance.memory_limit"}
	}
	switch {
	case !setting.Auto():
		return memoryLimit{0, "instance.memory_limit off"}
	case envSet:
		return memoryLimit{0, "GOMEMLIMIT"}
	case container > 0:
		return memoryLimit{container / 8 * 7, "7/8 of the container's memory limit " + config.Size(container).String()}
	}
	return memoryLimit{0, "no container memory limit"}
}

// applyMemoryLimit sets the process's soft memory limit from cfg, logs
// what is in force and returns a function that restores the previous one.
func applyMemoryLimit(cfg config.Config, log *slog.Logger) (restore func()) {
	_, envSet := os.LookupEnv("GOMEMLIMIT")
	l := resolveMemoryLimit(cfg.Instance.MemoryLimit, envSet, containerMemoryLimit("/proc/self/cgroup", "/sys/fs/cgroup"))
	if l.bytes == 0 {
		if cur := debug.SetMemoryLimit(-1); cur != math.MaxInt64 {
			log.Info("memory limit", "limit", config.Size(cur).String(), "source", l.source)
		} else {
			log.Debug("no memory limit", "source", l.source)
		}
		return func() {}
	}
	prev := debug.SetMemoryLimit(l.bytes)
	log.Info("memory limit", "limit", config.Size(l.bytes).String(), "source", l.source)
	return func() { debug.SetMemoryLimit(prev) }
}

// containerMemoryLimit returns the smallest memory limit of the cgroup the
// process runs in and its ancestors (cgroup v2 memory.max, or v1
// memory.limit_in_bytes), read from cgroupFile (/proc/self/cgroup) and the
// cgroup file system mounted at root; 0 when there is none.
func containerMemoryLimit(cgroupFile, root string) int64 {
	data, err := os.ReadFile(cgroupFile)
	if err != nil {
		return 0
	}
	var limit int64
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// hierarchy-id:controllers:path; v2 is "0::/path".
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dir, file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			dir, file = root, "memory.max"
		case hasController(parts[1], "memory"):
			dir, file = filepath.Join(root, "memory"), "memory.limit_in_bytes"
		default:
			continue
		}
		for p := filepath.Clean("/" + parts[2]); ; p = filepath.Dir(p) {
			if n := readLimit(filepath.Join(dir, p, file)); n > 0 && (limit == 0 || n < limit) {
				limit = n
			}
			if p == "/" {
				break
			}
		}
	}
	return limit
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readLimit reads a cgroup memory limit file: a number of bytes, or "max"
// (v2) or a number near the largest int64 (v1) for none, both 0.
func readLimit(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 || n >= 1<<62 {
		return 0
	}
	return n
}
