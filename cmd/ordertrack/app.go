package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

	level slog.LevelVar // log.level of logger; live in run
}

// Exit statuses of Run.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line was wrong
)

// Run executes the command line and returns the exit status. Help goes to
// Stdout; errors and usage errors go to Stderr.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) > 0 && args[0] == "--health-check" {
		args = append([]string{"health"}, args[1:]...)
	}
	root := m.root()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if u, ok := errors.AsType[*usageError](err); ok {
		u.print(m.Stderr)
		return exitUsage
	}
	fmt.Fprintf(m.Stderr, "%s: %v\n", cmd.CommandPath(), err)
	return exitError
}

// root builds the command tree. Cobra gives every command its own --help,
// the completion command and suggestions for mistyped commands.
func (m *Main) root() *cobra.Command {
	root := &cobra.Command{
		Use:           "ordertrack <command> [flags]",
		Short:         "ordertrack - real-time order tracking and SLA monitoring on NATS JetStream",
		Version:       buildVersion().String(),
		Args:          noArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			printHelp(m.Stderr, cmd)
			return &usageError{cmd: cmd, err: errNoCommand, printed: true}
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("{{.Version}}")
	root.SetIn(m.Stdin)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { printHelp(c.OutOrStdout(), c) })
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(m.runCommand(), m.publishCommand(), m.generateCommand(), m.benchCommand(),
		m.healthCommand(), m.statusCommand(), m.getCommand(), m.watchCommand(), m.dlqCommand(), m.notifyCommand(), m.whatifCommand(), m.reportCommand(),
		m.versionCommand())
	return root
}

// errNoCommand is the usage error of ordertrack without a command.
var errNoCommand = errors.New("needs a command")

// command returns a leaf command that takes no arguments unless args says
// otherwise.
func command(use, short string, run func(cmd *cobra.Command, args []string) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: noArgs, RunE: run}
}

// configLoader loads the configuration of one command line.
type configLoader func() (config.Config, error)

// configFlags registers --config and one flag per configuration key on cmd
// and returns a loader of the configuration in force (config.Config.Resolve:
// demo SLAs applied), the one place where a command's configuration is
// resolved.
func (m *Main) configFlags(cmd *cobra.Command) configLoader {
	raw := m.rawConfigFlags(cmd)
	return func() (config.Config, error) {
		cfg, err := raw()
		return cfg.Resolve(), err
	}
}

// rawConfigFlags is configFlags without Resolve, for a command that changes
// the configuration before it is resolved (bench turns the generator off)
// or resolves it itself (run, whose reloads keep the demo SLAs decided at
// start).
func (m *Main) rawConfigFlags(cmd *cobra.Command) configLoader {
	fs := cmd.Flags()
	file := fs.String("config", "", "configuration file (default: ./config.yaml if present)")
	config.AddFlags(fs)
	return func() (config.Config, error) { return config.LoadFlags(*file, m.Environ, fs) }
}

// isConfigFlag reports whether a flag belongs to the configuration.
func isConfigFlag(f *pflag.Flag) bool { return f.Name == "config" || config.IsKey(f.Name) }

// logger builds the structured logger of log.level and log.format.
func (m *Main) logger(cfg config.Config) *slog.Logger {
	_ = m.level.UnmarshalText([]byte(cfg.Log.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: &m.level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}
