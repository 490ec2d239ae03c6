package monitor

import (
	"fmt"
	"maps"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// LimitWarnPercent is the share of an account's max_consumers or
// max_streams in use from which health and /readyz warn.
const LimitWarnPercent = 80

// LimitFix says what to do about an account near its limits.
const LimitFix = "list the account's consumers (nats consumer ls <stream>) and remove those nothing uses, " +
	"or raise the account's max_consumers / max_streams in the server's account configuration"

// LimitUse is one JetStream account limit and how much of it is in use.
type LimitUse struct {
	// What is "consumers" or "streams"; Key the limit's name in the
	// account's configuration (max_consumers, max_streams).
	What, Key string
	// Tier names the tier (e.g. R1, R3) of an account with tiered limits;
	// empty for the account's own.
	Tier string
	// Used is what the account holds; Max the limit, 0 or less for none.
	Used, Max int
}

// Percent returns the share of the limit in use, rounded down (0 without a
// limit).
func (l LimitUse) Percent() int {
	if l.Max <= 0 {
		return 0
	}
	return l.Used * 100 / l.Max
}

// Near reports whether LimitWarnPercent or more of a set limit is in use.
func (l LimitUse) Near() bool { return l.Max > 0 && l.Used*100 >= l.Max*LimitWarnPercent }

// String says the use with the numbers: "8 of 10 consumers (80% of
// max_consumers)", "8 consumers (no max_consumers)", with " in tier R3"
// for a tier.
func (l LimitUse) String() string {
	tier := ""
	if l.Tier != "" {
		tier = " in tier " + l.Tier
	}
	if l.Max <= 0 {
		return fmt.Sprintf("%d %s%s (no %s)", l.Used, l.What, tier, l.Key)
	}
	return fmt.Sprintf("%d of %d %s%s (%d%% of %s)", l.Used, l.Max, l.What, tier, l.Percent(), l.Key)
}

// AccountLimits returns the account's consumer and stream use against its
// limits, then each tier's that has a limit set (an account with tiered
// limits, R1 and R3, states them per tier).
func AccountLimits(info *jetstream.AccountInfo) []LimitUse {
	out := tierLimits("", info.Tier)
	for _, name := range slices.Sorted(maps.Keys(info.Tiers)) {
		for _, l := range tierLimits(name, info.Tiers[name]) {
			if l.Max > 0 {
				out = append(out, l)
			}
		}
	}
	return out
}

func tierLimits(name string, t jetstream.Tier) []LimitUse {
	return []LimitUse{
		{What: "consumers", Key: "max_consumers", Tier: name, Used: t.Consumers, Max: t.Limits.MaxConsumers},
		{What: "streams", Key: "max_streams", Tier: name, Used: t.Streams, Max: t.Limits.MaxStreams},
	}
}

// NearLimits returns the limits of AccountLimits with LimitWarnPercent or
// more in use.
func NearLimits(info *jetstream.AccountInfo) []LimitUse {
	return slices.DeleteFunc(AccountLimits(info), func(l LimitUse) bool { return !l.Near() })
}

// Refused says what the server refuses once the limit is reached.
func (l LimitUse) Refused() string {
	if l.What == "streams" {
		return "new streams (provisioning under another subjects.prefix, a bucket a newer ordertrack adds)"
	}
	return "new consumers (watch, dlq list, whatif, a new instance, a new webhook)"
}

// LimitWarnings are the lines health and /readyz show for the account's
// limits near use: each says the numbers, what happens at the limit, and
// the fix.
func LimitWarnings(info *jetstream.AccountInfo) []string {
	var out []string
	for _, l := range NearLimits(info) {
		out = append(out, fmt.Sprintf("the account holds %s: at the limit the server refuses %s\nfix: %s", l, l.Refused(), LimitFix))
	}
	return out
}
