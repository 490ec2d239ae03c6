package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// flagSet returns a flag set with the configuration flags and one other.
func flagSet(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.Bool("json", false, "a command's own flag")
	AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestLoadFlagsOnlyChanged: flags set on the command line override the
// environment and the file; flags left at their default do not.
func TestLoadFlagsOnlyChanged(t *testing.T) {
	file := writeFile(t, "sla:\n  processing: 1h\n  shipping: 2h\n")
	env := []string{"ORDERTRACK_SLA__DELIVERY=5h"}
	fs := flagSet(t, "--sla.shipping", "3 days", "--json", "--output.console=false", "--monitor.listen", "")
	c, err := LoadFlags(file, env, fs)
	if err != nil {
		t.Fatal(err)
	}
	if c.SLA.Processing != time.Hour || c.SLA.Shipping != 72*time.Hour || c.SLA.Delivery != 5*time.Hour {
		t.Errorf("SLAs %v/%v/%v, want 1h (file), 72h (flag), 5h (env)", c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery)
	}
	if c.Output.Console || c.Monitor.Listen != "" {
		t.Errorf("output.console %v monitor.listen %q, want false and empty from the flags", c.Output.Console, c.Monitor.Listen)
	}
}

func TestLoadFlagsBadValueNamesFlag(t *testing.T) {
	_, err := LoadFlags("", nil, flagSet(t, "--streaming.partitions", "many", "--sla.processing", "soon"))
	if !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("err %v, want ErrInvalidValue", err)
	}
	for _, w := range []string{`config key "sla.processing"`, "(flag --sla.processing)", `config key "streaming.partitions"`, "(flag --streaming.partitions)"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
}

func TestAddFlagsHelp(t *testing.T) {
	fs := flagSet(t)
	for name, typ := range map[string]string{"sla.processing": "duration", "streaming.partitions": "int", "output.console": "true|false", "generator.rate": "number", "nats.url": "string"} {
		f := fs.Lookup(name)
		if f == nil || f.Value.Type() != typ || f.Usage == "" {
			t.Errorf("flag --%s: %+v, want type %s and help", name, f, typ)
		}
	}
	if d := fs.Lookup("sla.processing").DefValue; d != "24h" {
		t.Errorf("--sla.processing default %q, want 24h", d)
	}
}
