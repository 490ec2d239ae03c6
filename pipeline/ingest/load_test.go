package ingest

import (
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/config"
)

func TestLoadExpected(t *testing.T) {
	for _, c := range []struct {
		name string
		l    Load
		want int64
	}{
		{"unbounded", Load{Rate: 100}, 0},
		{"orders", Load{Orders: 10}, 40},
		{"duration without rate", Load{Duration: time.Minute}, 0},
		{"duration at rate", Load{Rate: 5, Duration: 2 * time.Second}, 10},
		{"orders first", Load{Orders: 2, Rate: 100, Duration: time.Minute}, 8},
		{"duration first", Load{Orders: 100, Rate: 5, Duration: 2 * time.Second}, 10},
	} {
		if got := c.l.Expected(4); got != c.want {
			t.Errorf("%s: %+v.Expected(4) = %d, want %d", c.name, c.l, got, c.want)
		}
	}
}

func TestLoadWithDefaults(t *testing.T) {
	g := config.Generator{Scenario: "sample", Rate: 20, Seed: 7}
	now := time.Unix(0, 42)
	for _, c := range []struct {
		name    string
		l       Load
		seedSet bool
		want    Load
	}{
		{"all from config", Load{Rate: -1}, false, Load{Scenario: "sample", Rate: 20, Seed: 7}},
		{"flags kept", Load{Scenario: "realistic", Rate: 0, Seed: 3}, true, Load{Scenario: "realistic", Rate: 0, Seed: 3}},
		{"seed 0 set", Load{Rate: -1}, true, Load{Scenario: "sample", Rate: 20, Seed: 0}},
	} {
		if got := c.l.WithDefaults(g, c.seedSet, now); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	if got := (Load{Rate: -1}).WithDefaults(config.Generator{}, false, now); got.Seed != 42 {
		t.Errorf("seed 0 unset: got %d, want now (42)", got.Seed)
	}
}
