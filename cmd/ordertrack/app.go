package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/ordertrack/ordertrack/config"
)

// Main is the ordertrack program: it parses the command line, loads the
// configuration and runs one command. Tests drive it directly.
type Main struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string
	// Ready, if set, is called by run once the pipeline is processing (tests).
	Ready func(info RunInfo)
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(m *Main, ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"run", "run the pipeline (embedded NATS and demo data unless nats.url is set)", (*Main).runCmd},
		{"publish", "publish order events (JSON lines) from stdin or a file", (*Main).publishCmd},
		{"generate", "generate demo or load events (scenarios sample, realistic)", (*Main).generateCmd},
		{"bench", "measure throughput, latency, breach lateness and memory on this machine", (*Main).benchCmd},
		{"health", "check config, NATS, JetStream objects and consumers (alias --health-check)", (*Main).healthCmd},
		{"status", "show progress: per-partition lag, rates, open orders, timers, breaches, dead letters", (*Main).statusCmd},
		{"get", "show one order's state (and --history of its updates)", (*Main).getCmd},
		{"watch", "follow updates and alerts as they happen", (*Main).watchCmd},
		{"dlq", "list or replay dead letters", (*Main).dlqCmd},
	}
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

// Run executes the command line and returns the exit status.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		m.usage(m.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name := args[0]
	if name == "--health-check" {
		name = "health"
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(m, ctx, args[1:])
			switch {
			case err == nil, errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			}
			fmt.Fprintf(m.Stderr, "ordertrack %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(m.Stderr, "ordertrack: unknown command %q\n\n", name)
	m.usage(m.Stderr)
	return 2
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprintln(w, "ordertrack - real-time order tracking and SLA monitoring on NATS JetStream")
	fmt.Fprintln(w, "\nUsage: ordertrack <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'ordertrack <command> --help' for a command's flags.")
}

// configFlags registers --config and one flag per configuration key on fs
// and returns a loader for the resulting configuration.
func (m *Main) configFlags(fs *flag.FlagSet) func() (config.Config, error) {
	file := fs.String("config", "", "configuration file (default: ./config.yaml if present)")
	for _, k := range config.Keys() {
		fs.String(k.Name, "", fmt.Sprintf("%s (default %q)", k.Help, k.Default))
	}
	return func() (config.Config, error) {
		overrides := map[string]string{}
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "config" && isConfigKey(f.Name) {
				overrides[f.Name] = f.Value.String()
			}
		})
		return config.Load(*file, m.Environ, overrides)
	}
}

func isConfigKey(name string) bool {
	for _, k := range config.Keys() {
		if k.Name == name {
			return true
		}
	}
	return false
}

// newFlagSet returns a flag set whose usage lists command flags first and
// configuration keys after them.
func (m *Main) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: ordertrack %s\n\n", synopsis)
		var own, keys []string
		fs.VisitAll(func(f *flag.Flag) {
			line := fmt.Sprintf("  --%s\n    \t%s", f.Name, f.Usage)
			if isConfigKey(f.Name) {
				keys = append(keys, line)
			} else {
				own = append(own, line)
			}
		})
		sort.Strings(own)
		fmt.Fprintln(w, "Flags:\n"+strings.Join(own, "\n"))
		if len(keys) > 0 {
			fmt.Fprintln(w, "\nConfiguration keys (override config.yaml and ORDERTRACK_* environment):\n"+strings.Join(keys, "\n"))
		}
	}
	return fs
}

// parse parses flags, mapping a bad flag to errUsage.
// parseConfig adds the configuration flags to fs, parses args and loads
// the configuration, for commands with no other work between the two.
func (m *Main) parseConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	load := m.configFlags(fs)
	if err := parse(fs, args); err != nil {
		return config.Config{}, err
	}
	return load()
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// logger builds the structured logger of log.level and log.format.
func (m *Main) logger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}
