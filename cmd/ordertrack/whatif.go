package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
	"github.com/ordertrack/ordertrack/pipeline/whatif"
)

// whatifOpts are the flags of whatif (SPEC section 12).
type whatifOpts struct {
	newFile, baseFile, events string
	sets                      []string // --set key=value, on top of NEW (or the base)
	since                     string
	by                        string
	show                      int
	asJSON                    bool
	from                      time.Time // of since, set by validate
}

func (m *Main) whatifCommand() *cobra.Command {
	var o whatifOpts
	cmd := command("whatif {--set key=value ... | --config NEW.yaml} [--base CURRENT.yaml] [--since 7d | --events FILE.jsonl] [--by sla|tenant|rule] [--show N] [--json]",
		"replay recorded events under the current and a new configuration and compare SLA outcomes", nil)
	fs := cmd.Flags()
	fs.StringVar(&o.newFile, "config", "", "the new configuration file to try (default: the base with --set applied)")
	fs.StringArrayVar(&o.sets, "set", nil, "a change to try on top of the base (or of --config), e.g. sla.processing=12h; repeatable")
	fs.StringVar(&o.baseFile, "base", "", "the configuration to compare with (default: the effective one, ./config.yaml if present)")
	fs.StringVar(&o.events, "events", "", "replay this JSON-lines file instead of the ORDER_EVENTS stream")
	fs.StringVar(&o.since, "since", "", "replay events stored in this last period, e.g. 7d (default: all the stream holds)")
	fs.StringVar(&o.by, "by", "", "group rows by sla, tenant or rule (default: one group, all)")
	fs.IntVar(&o.show, "show", 10, "list the first N orders whose outcome changes")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON instead of text")
	config.AddFlags(fs)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := o.validate(cmd); err != nil {
			return err
		}
		base, err := config.LoadFlags(o.baseFile, m.Environ, fs)
		if err != nil {
			return fmt.Errorf("--base: %w", err)
		}
		next := base
		if o.newFile != "" {
			if next, err = config.LoadFlags(o.newFile, m.Environ, fs); err != nil {
				return fmt.Errorf("--config %s: %w", o.newFile, err)
			}
			if next.DemoReplaces() {
				demo := config.DemoSLAs()
				fmt.Fprintf(m.Stderr, "note: the demo SLAs (processing %s, shipping %s, delivery %s on the event clock) replace the sla durations of --config %s, "+
					"as they do for run with the embedded server (generator.demo_sla: auto); add generator.demo_sla: false to it to try its own, or try one change with --set\n",
					order.HumanDuration(demo.Processing), order.HumanDuration(demo.Shipping), order.HumanDuration(demo.Delivery), o.newFile)
			}
		}
		// --set goes on top of the configuration in force (demo SLAs
		// included), so only what it names changes.
		next, err = config.Override(next.Resolve(), o.sets)
		if err != nil {
			return fmt.Errorf("--set: %w", err)
		}
		return m.whatif(cmd.Context(), base.Resolve(), next, o)
	}
	return cmd
}

func (o *whatifOpts) validate(cmd *cobra.Command) error {
	switch {
	case o.newFile == "" && len(o.sets) == 0:
		return usagef(cmd, "needs --set key=value (repeatable) or --config NEW.yaml, the change to try")
	case o.events != "" && o.since != "":
		return usagef(cmd, "--since and --events exclude each other")
	case o.show < 0:
		return usagef(cmd, "--show must not be negative")
	}
	var err error
	if o.from, err = sinceFlag(cmd, o.since); err != nil {
		return err
	}
	switch order.Grouping(o.by) {
	case "", order.BySLA, order.ByTenant, order.ByRule:
		return nil
	}
	return usagef(cmd, "--by %q: want sla, tenant or rule", o.by)
}

func (m *Main) whatif(ctx context.Context, base, next config.Config, o whatifOpts) error {
	opts := whatif.Options{Base: base.Rules(), New: next.Rules(),
		Now: time.Now(), MaxSkew: base.SLA.MaxClockSkew}
	defer debug.SetGCPercent(debug.SetGCPercent(whatif.GCPercent))
	r := whatif.New(opts)
	start := time.Now()
	if err := m.whatifRead(ctx, base, o, r); err != nil {
		r.Finish()
		return err
	}
	report := whatif.NewReport(r.Finish(), order.Grouping(o.by), o.show, time.Since(start))
	if o.asJSON {
		return report.WriteJSON(m.Stdout)
	}
	report.WriteText(m.Stdout)
	return nil
}

// whatifRead feeds the replay from --events or the ORDER_EVENTS stream.
func (m *Main) whatifRead(ctx context.Context, cfg config.Config, o whatifOpts, r *whatif.Replay) error {
	if o.events != "" {
		f, err := os.Open(o.events)
		if err != nil {
			return err
		}
		defer f.Close()
		return whatif.ReadLines(f, r)
	}
	c, err := broker.Dial(cfg.NATS, "ordertrack whatif", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	return whatif.ReadStream(ctx, c.JS, contract.EventsStream, o.from, r, m.replayProgress())
}

// replayProgress draws a progress bar on a terminal's stderr for replays
// of more than 100,000 events (github.com/schollz/progressbar, as
// generate's); nil elsewhere.
func (m *Main) replayProgress() func(done, total uint64) {
	if !isTerminal(m.Stderr) {
		return nil
	}
	var bar *progressbar.ProgressBar
	return func(done, total uint64) {
		if total < 100_000 {
			return
		}
		if bar == nil {
			bar = eventsBar(m.Stderr, int64(total), progressbar.OptionThrottle(250*time.Millisecond),
				progressbar.OptionClearOnFinish())
		}
		_ = bar.Set64(int64(done))
	}
}
