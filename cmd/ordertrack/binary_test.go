package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// TestMain removes the binary that the out-of-process tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built is the ordertrack binary of this test process, built by the first
// test that needs it.
var built struct {
	once sync.Once
	dir  string // removed by TestMain
	path string
	err  error
	out  []byte // go build's output on failure
}

// ordertrackBinary returns the path of the ordertrack binary built from
// this package, building it once per test process.
func ordertrackBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "ordertrack-test-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "ordertrack")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.path
}
