package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Metric is one measured value, with its target when the project sets one.
type Metric struct {
	Phase  string  `json:"phase"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Target string  `json:"target,omitempty"`
	Pass   *bool   `json:"pass,omitempty"`
	Note   string  `json:"note,omitempty"`
}

// Report is everything a bench run measured.
type Report struct {
	Started  time.Time         `json:"started"`
	Elapsed  float64           `json:"elapsed_s"`
	Host     map[string]string `json:"host"`
	Settings map[string]string `json:"settings"`
	Metrics  []Metric          `json:"metrics"`
	Skipped  []string          `json:"skipped,omitempty"`
	Errors   []string          `json:"errors,omitempty"`
}

func newReport(settings map[string]string) *Report {
	return &Report{
		Started: time.Now().UTC().Truncate(time.Second),
		Host: map[string]string{
			"cpus": fmt.Sprint(runtime.NumCPU()), "gomaxprocs": fmt.Sprint(runtime.GOMAXPROCS(0)),
			"go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH,
		},
		Settings: settings,
	}
}

// add records a value without a target.
func (r *Report) add(phase, metric string, v float64, unit string) *Metric {
	r.Metrics = append(r.Metrics, Metric{Phase: phase, Metric: metric, Value: v, Unit: unit})
	return &r.Metrics[len(r.Metrics)-1]
}

// atLeast records a value that must reach target. The returned metric
// may get a note before the next one is recorded.
func (r *Report) atLeast(phase, metric string, v float64, unit string, target float64) *Metric {
	pass := v >= target
	r.Metrics = append(r.Metrics, Metric{Phase: phase, Metric: metric, Value: v, Unit: unit,
		Target: ">= " + formatValue(target, unit), Pass: &pass})
	return &r.Metrics[len(r.Metrics)-1]
}

// atMost records a value that must not exceed target. The returned metric
// may get a note before the next one is recorded.
func (r *Report) atMost(phase, metric string, v float64, unit string, target float64) *Metric {
	pass := v <= target
	r.Metrics = append(r.Metrics, Metric{Phase: phase, Metric: metric, Value: v, Unit: unit,
		Target: "<= " + formatValue(target, unit), Pass: &pass})
	return &r.Metrics[len(r.Metrics)-1]
}

func (r *Report) skip(format string, args ...any) {
	r.Skipped = append(r.Skipped, fmt.Sprintf(format, args...))
}

// find returns the value of a metric, if measured.
func (r *Report) find(phase, metric string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Phase == phase && m.Metric == metric {
			return m.Value, true
		}
	}
	return 0, false
}

// WriteJSON prints the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable prints the report as a table with a pass/fail column.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "ordertrack bench  %s  %s cpus, %s, %s\n", r.Started.Format(time.RFC3339),
		r.Host["cpus"], r.Host["go"], r.Host["os"])
	keys := make([]string, 0, len(r.Settings))
	for k := range r.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var set []string
	for _, k := range keys {
		set = append(set, k+"="+r.Settings[k])
	}
	fmt.Fprintf(w, "settings: %s\n\n", strings.Join(set, " "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tMETRIC\tVALUE\tTARGET\tRESULT")
	met, total := 0, 0
	for _, m := range r.Metrics {
		result := ""
		if m.Pass != nil {
			total++
			result = "FAIL"
			if *m.Pass {
				met++
				result = "pass"
			}
		}
		value := formatValue(m.Value, m.Unit)
		if m.Note != "" {
			value += "  (" + m.Note + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Phase, m.Metric, value, m.Target, result)
	}
	_ = tw.Flush()
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
	fmt.Fprintf(w, "\ntargets met: %d of %d; total time %s\n", met, total, (time.Duration(r.Elapsed * float64(time.Second))).Round(time.Second))
}

// formatValue renders a value in its unit.
func formatValue(v float64, unit string) string {
	switch unit {
	case "ms":
		switch {
		case v == math.Trunc(v):
			return fmt.Sprintf("%.0f ms", v)
		case math.Abs(v) < 10:
			return fmt.Sprintf("%.2f ms", v)
		case math.Abs(v) < 100:
			return fmt.Sprintf("%.1f ms", v)
		}
		return fmt.Sprintf("%.0f ms", v)
	case "MiB":
		return fmt.Sprintf("%.0f MiB", v)
	case "x":
		return fmt.Sprintf("%.2fx", v)
	case "s":
		return fmt.Sprintf("%.1f s", v)
	case "":
		return thousands(int64(math.Round(v)))
	}
	return thousands(int64(math.Round(v))) + " " + unit
}

// percentile returns the q-quantile (0..1) of sorted values, nearest rank.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// ms converts a duration to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// perSecond is n over d.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}
