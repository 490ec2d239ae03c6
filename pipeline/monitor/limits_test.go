package monitor_test

import (
	"slices"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/monitor"
)

func TestNearLimits(t *testing.T) {
	t.Parallel()
	tier := func(consumers, maxConsumers, streams, maxStreams int) jetstream.Tier {
		return jetstream.Tier{Consumers: consumers, Streams: streams,
			Limits: jetstream.AccountLimits{MaxConsumers: maxConsumers, MaxStreams: maxStreams}}
	}
	for _, tc := range []struct {
		name string
		info jetstream.AccountInfo
		all  []string
		near []string
	}{
		{name: "no limits", info: jetstream.AccountInfo{Tier: tier(850, -1, 6, -1)},
			all: []string{"850 consumers (no max_consumers)", "6 streams (no max_streams)"}},
		{name: "limits unset", info: jetstream.AccountInfo{Tier: tier(17, 0, 6, 0)},
			all: []string{"17 consumers (no max_consumers)", "6 streams (no max_streams)"}},
		{name: "below 80%", info: jetstream.AccountInfo{Tier: tier(799, 1000, 7, 10)},
			all: []string{"799 of 1000 consumers (79% of max_consumers)", "7 of 10 streams (70% of max_streams)"}},
		{name: "at 80%", info: jetstream.AccountInfo{Tier: tier(800, 1000, 8, 10)},
			all:  []string{"800 of 1000 consumers (80% of max_consumers)", "8 of 10 streams (80% of max_streams)"},
			near: []string{"800 of 1000 consumers (80% of max_consumers)", "8 of 10 streams (80% of max_streams)"}},
		{name: "at the limit", info: jetstream.AccountInfo{Tier: tier(1000, 1000, 6, -1)},
			all:  []string{"1000 of 1000 consumers (100% of max_consumers)", "6 streams (no max_streams)"},
			near: []string{"1000 of 1000 consumers (100% of max_consumers)"}},
		{name: "tiers, the one without limits left out", info: jetstream.AccountInfo{Tier: tier(12, 0, 6, 0),
			Tiers: map[string]jetstream.Tier{"R3": tier(9, 10, 1, 100), "R1": tier(3, 0, 5, 0)}},
			all: []string{"12 consumers (no max_consumers)", "6 streams (no max_streams)",
				"9 of 10 consumers in tier R3 (90% of max_consumers)", "1 of 100 streams in tier R3 (1% of max_streams)"},
			near: []string{"9 of 10 consumers in tier R3 (90% of max_consumers)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strs(monitor.AccountLimits(&tc.info)); !slices.Equal(got, tc.all) {
				t.Errorf("AccountLimits = %q, want %q", got, tc.all)
			}
			if got := strs(monitor.NearLimits(&tc.info)); !slices.Equal(got, tc.near) {
				t.Errorf("NearLimits = %q, want %q", got, tc.near)
			}
		})
	}
}

func strs(ls []monitor.LimitUse) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.String())
	}
	return out
}
