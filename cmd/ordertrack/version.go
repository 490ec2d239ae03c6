package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/spf13/cobra"
)

// Set at build time, e.g.
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=$(git rev-parse --short HEAD)" ./cmd/ordertrack
//
// Left empty (go run, plain go build), they come from the module's build
// information: the module version ("(devel)" for a work tree) and the VCS
// revision when the go command stamped it.
var (
	version string
	commit  string
)

// versionInfo is what version and --version print.
type versionInfo struct {
	Version, Commit, Go, NATSServer string
}

// buildVersion resolves the version of this binary.
func buildVersion() versionInfo {
	v := versionInfo{Version: version, Commit: commit, Go: runtime.Version(), NATSServer: server.VERSION}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && v.Commit == "" {
				v.Commit = s.Value
			}
			if s.Key == "vcs.modified" && s.Value == "true" && commit == "" && v.Commit != "" {
				v.Commit += " (modified)"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	return v
}

func (v versionInfo) String() string {
	return fmt.Sprintf("ordertrack %s\ncommit:      %s\ngo:          %s\nnats-server: v%s (embedded)\n",
		v.Version, v.Commit, v.Go, v.NATSServer)
}

func (m *Main) versionCommand() *cobra.Command {
	return command("version", "print the version, commit, Go and nats-server versions (also --version)",
		func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(m.Stdout, buildVersion())
			return err
		})
}
