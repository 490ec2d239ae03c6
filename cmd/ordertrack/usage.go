package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ordertrack/ordertrack/config"
)

// usageError is a wrong command line: Run prints it with the command's
// short usage (not the whole help) and exits 2.
type usageError struct {
	cmd     *cobra.Command
	err     error
	hint    string // "did you mean --sla.processing?", optional
	printed bool   // the help was printed already
}

func (u *usageError) Error() string {
	if u.hint == "" {
		return u.err.Error()
	}
	return u.err.Error() + "; " + u.hint
}

func (u *usageError) Unwrap() error { return u.err }

// print writes the error, the usage line(s) and where to read more.
func (u *usageError) print(w io.Writer) {
	fmt.Fprintf(w, "%s: %v\n", u.cmd.CommandPath(), u)
	if u.printed {
		return
	}
	fmt.Fprintf(w, "Usage: %s\n", u.cmd.UseLine())
	fmt.Fprintf(w, "Run '%s --help' for more.\n", u.cmd.CommandPath())
}

// usagef returns a usage error of cmd.
func usagef(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// flagError turns a flag parse error into a usage error with the nearest
// flag as a hint.
func flagError(cmd *cobra.Command, err error) error {
	u := &usageError{cmd: cmd, err: err}
	var name string
	if e, ok := errors.AsType[*pflag.NotExistError](err); ok {
		name = e.GetSpecifiedName()
		if s := e.GetSpecifiedShortnames(); len(s) > 1 {
			name = s // -history: a long flag written with one dash
		}
	}
	if name != "" {
		if s := config.NearestFlag(cmd.Flags(), name); s != "" {
			u.hint = "did you mean --" + s + "?"
		}
	}
	return u
}

// noArgs accepts no positional arguments; for a command with subcommands
// the argument is a mistyped command and gets a suggestion.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasAvailableSubCommands() {
		u := &usageError{cmd: cmd, err: fmt.Errorf("unknown command %q", args[0])}
		cmd.SuggestionsMinimumDistance = 2
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			u.hint = "did you mean " + s[0] + "?"
		}
		return u
	}
	return usagef(cmd, "takes no arguments (got %q)", args[0])
}

// printHelp writes a command's help: what it does, its usage, its
// subcommands, its own flags and then the configuration keys.
func printHelp(w io.Writer, c *cobra.Command) {
	desc := c.Long
	if desc == "" {
		desc = c.Short
	}
	fmt.Fprintf(w, "%s\n\nUsage: %s\n", desc, c.UseLine())
	if c.HasAvailableSubCommands() {
		fmt.Fprintln(w, "\nCommands:")
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() || s.Name() == "help" {
				fmt.Fprintf(w, "  %-*s %s\n", c.NamePadding(), s.Name(), s.Short)
			}
		}
	}
	own, keys := pflag.NewFlagSet("own", pflag.ContinueOnError), pflag.NewFlagSet("keys", pflag.ContinueOnError)
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if isConfigFlag(f) {
			keys.AddFlag(f)
		} else {
			own.AddFlag(f)
		}
	})
	c.InheritedFlags().VisitAll(own.AddFlag)
	fmt.Fprint(w, "\nFlags:\n"+own.FlagUsages())
	if keys.HasFlags() {
		fmt.Fprint(w, "\nConfiguration (flags override config.yaml and ORDERTRACK_* environment variables):\n"+keys.FlagUsages())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags.\n", c.CommandPath())
	}
}
