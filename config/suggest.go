package config

import (
	"strings"

	"github.com/spf13/pflag"
)

// NearestFlag returns the flag of fs closest to a mistyped name, or ""
// (editDistance is the one of unknown keys).
func NearestFlag(fs *pflag.FlagSet, name string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", ".", "", "-", "").Replace(strings.ToLower(s))
	}
	best, bestDist := "", 3 // suggest only within an edit distance of 2
	var suffix []string     // flags whose last dotted part is name
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if norm(f.Name) == norm(name) {
			best, bestDist = f.Name, -1
		}
		if d := editDistance(f.Name, name); d < bestDist {
			best, bestDist = f.Name, d
		}
		if strings.HasSuffix(f.Name, "."+name) {
			suffix = append(suffix, f.Name)
		}
	})
	if best == "" && len(suffix) == 1 {
		return suffix[0]
	}
	return best
}
