package deploy

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDockerfile checks that the image is a static binary on a non-root
// distroless base.
func TestDockerfile(t *testing.T) {
	d := read(t, "Dockerfile")
	for _, want := range []string{"CGO_ENABLED=0", "go build", "./cmd/ordertrack", "FROM gcr.io/distroless/static", "USER 65532"} {
		if !strings.Contains(d, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// TestDockerIgnore checks that the build context leaves out the store, the
// repository's history and test outputs (the Dockerfile copies the whole
// context into the build stage).
func TestDockerIgnore(t *testing.T) {
	var patterns []string
	sc := bufio.NewScanner(strings.NewReader(read(t, "../../.dockerignore")))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	for _, want := range []string{".git", "data/", "*.test", "*.prof"} {
		if !slices.Contains(patterns, want) {
			t.Errorf(".dockerignore lacks %q: %q", want, patterns)
		}
	}
	if slices.Contains(patterns, "go.mod") || slices.Contains(patterns, "cmd") || slices.Contains(patterns, "*.go") {
		t.Errorf(".dockerignore leaves out sources the build needs: %q", patterns)
	}
}

// TestDockerfileBuildsStaticBinary runs the Dockerfile's go build command
// (its RUN line, with the output in a temporary directory) and checks that
// the binary is static: no program interpreter, no shared library, so it
// runs on distroless/static, which has no libc.
func TestDockerfileBuildsStaticBinary(t *testing.T) {
	var run string
	lines := strings.Split(read(t, "Dockerfile"), "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "RUN ") || !strings.Contains(lines[i], "go build") {
			continue
		}
		run = strings.TrimPrefix(lines[i], "RUN ")
		for strings.HasSuffix(run, "\\") && i+1 < len(lines) {
			i++
			run = strings.TrimSuffix(run, "\\") + " " + strings.TrimSpace(lines[i])
		}
	}
	bin := filepath.Join(t.TempDir(), "ordertrack")
	if !strings.Contains(run, "-o /out/ordertrack") {
		t.Fatalf("the Dockerfile's go build %q does not write /out/ordertrack", run)
	}
	run = strings.ReplaceAll(run, "-o /out/ordertrack", "-o "+bin)
	cmd := exec.Command("sh", "-c", run)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "VERSION=test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", run, err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	interp := slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP })
	if interp || len(libs) != 0 {
		t.Errorf("the binary is dynamic: interpreter %v, libraries %q", interp, libs)
	}
}
