package pipeline_test

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	gotypes "go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestNoMutualFileDependencies: no two files of package pipeline use each
// other's package-level identifiers (funcs, types, vars, consts, methods and
// fields of the package's types), so each file can be read after the files
// it depends on (such pairs were worker<->batch, worker<->pipeline,
// batch<->stats). A failure lists each pair with one identifier each way.
func TestNoMutualFileDependencies(t *testing.T) {
	t.Parallel()
	uses := fileUses(t, ".")
	var pairs []string
	for a, toB := range uses {
		for b, why := range toB {
			if back, ok := uses[b][a]; ok && a < b {
				pairs = append(pairs, a+" uses "+why+" (from "+b+"), "+b+" uses "+back+" (from "+a+")")
			}
		}
	}
	slices.Sort(pairs)
	for _, p := range pairs {
		t.Errorf("mutual files: %s", p)
	}
}

// fileUses type-checks the non-test files of the package in dir and returns,
// per file, the other files whose package-level declarations it uses, with
// one such identifier each.
func fileUses(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &gotypes.Info{Uses: map[*ast.Ident]gotypes.Object{}, Selections: map[*ast.SelectorExpr]*gotypes.Selection{}}
	conf := gotypes.Config{Importer: importer.ForCompiler(fset, "gc", exportData(t, dir))}
	pkg, err := conf.Check("github.com/ordertrack/ordertrack/pipeline", fset, files, info)
	if err != nil {
		t.Fatalf("type-check %s: %v", dir, err)
	}
	out := map[string]map[string]string{}
	note := func(at token.Pos, obj gotypes.Object) {
		if obj == nil || obj.Pkg() != pkg || !obj.Pos().IsValid() {
			return
		}
		if v, ok := obj.(*gotypes.Var); ok && !v.IsField() && v.Parent() != pkg.Scope() {
			return // a local variable or parameter
		}
		if _, ok := obj.(*gotypes.Func); !ok && !isMember(obj) && obj.Parent() != pkg.Scope() {
			return // a local type, const or label
		}
		from, to := filepath.Base(fset.File(at).Name()), filepath.Base(fset.File(obj.Pos()).Name())
		if from == to {
			return
		}
		if out[from] == nil {
			out[from] = map[string]string{}
		}
		if old, ok := out[from][to]; !ok || obj.Name() < old {
			out[from][to] = obj.Name() // the first by name, so a failure reads the same each run
		}
	}
	for id, obj := range info.Uses {
		note(id.Pos(), obj)
	}
	for sel, s := range info.Selections {
		note(sel.Sel.Pos(), s.Obj())
	}
	return out
}

// exportData returns a lookup of the compiled export data of the packages
// dir depends on, from the build cache (go list -export): type-checking
// them from source would take half a minute.
func exportData(t *testing.T, dir string) importer.Lookup {
	t.Helper()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-export", "-deps",
		"-f", "{{.ImportPath}}={{.Export}}", dir).Output()
	if err != nil {
		t.Fatalf("go list -export %s: %v", dir, err)
	}
	paths := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if path, file, ok := strings.Cut(strings.TrimSpace(line), "="); ok && file != "" {
			paths[path] = file
		}
	}
	return func(path string) (io.ReadCloser, error) {
		file, ok := paths[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}
}

// isMember reports whether obj is a field or method (declared on a type,
// not in a scope).
func isMember(obj gotypes.Object) bool {
	switch o := obj.(type) {
	case *gotypes.Var:
		return o.IsField()
	case *gotypes.Func:
		return o.Type().(*gotypes.Signature).Recv() != nil
	}
	return false
}
