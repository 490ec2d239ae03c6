package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/ingest/httpsource"
	"github.com/ordertrack/ordertrack/pipeline/ingest/kafka"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/notify"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

const (
	alertsFile     = "prometheus/alerts.yaml"
	alertTestsFile = "prometheus/alerts_test.yaml"
	dashboardFile  = "grafana/ordertrack.json"
)

// alertRules is what the tests read of a Prometheus rules file.
type alertRules struct {
	Groups []struct {
		Rules []struct {
			Alert string `yaml:"alert"`
			Expr  string `yaml:"expr"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// dashboard is what the tests read of a Grafana dashboard.
type dashboard struct {
	UID    string  `json:"uid"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// promtool returns the path of Debian's promtool; under CI=true its absence
// fails the test (.ci/run installs the prometheus package).
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is missing: .ci/run installs Debian's prometheus package (apt-get install -y prometheus)")
		}
		t.Skip("promtool is missing (apt-get install -y prometheus); the alert rules were not checked")
	}
	return path
}

// TestAlertRules checks alerts.yaml with promtool and runs its unit tests,
// which must test every alert.
func TestAlertRules(t *testing.T) {
	tool := promtool(t)
	for _, args := range [][]string{{"check", "rules", filepath.Base(alertsFile)}, {"test", "rules", filepath.Base(alertTestsFile)}} {
		cmd := exec.Command(tool, args...)
		cmd.Dir = filepath.Dir(alertsFile)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, alertTestsFile, &tests)
	tested := map[string]bool{}
	for _, c := range tests.Tests {
		for _, a := range c.AlertRuleTest {
			tested[a.Alertname] = true
		}
	}
	for _, r := range alerts(t) {
		if !tested[r.name] {
			t.Errorf("alert %s has no unit test in %s", r.name, alertTestsFile)
		}
	}
}

// TestObservabilityNamesRegisteredMetrics fails when an alert or a panel
// names a metric that /metrics does not export (with the collectors run
// registers: the monitor's, the notifier's, reloads and the ingest
// sources'), and checks that the dashboard has the panels operators look
// for.
func TestObservabilityNamesRegisteredMetrics(t *testing.T) {
	t.Parallel()
	known := registeredMetrics(t)
	for _, want := range []string{"ordertrack_stage_seconds", "ordertrack_ingest_records_total", "ordertrack_ingest_kafka_lag",
		"ordertrack_notify_deliveries_total", "ordertrack_process_resident_memory_bytes"} {
		if !slices.Contains(known, want) {
			t.Fatalf("registered metrics lack %s: %v", want, known)
		}
	}
	for _, r := range alerts(t) {
		for _, bad := range unknownMetrics(r.expr, known) {
			t.Errorf("alert %s names %s, which ordertrack does not export", r.name, bad)
		}
	}
	var d dashboard
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	ids := map[int]bool{}
	var titles []string
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		titles = append(titles, p.Title)
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if !strings.Contains(q.Expr, "ordertrack_") {
				t.Errorf("panel %q: query %q names no ordertrack metric", p.Title, q.Expr)
			}
			for _, bad := range unknownMetrics(q.Expr, known) {
				t.Errorf("panel %q names %s, which ordertrack does not export", p.Title, bad)
			}
		}
	}
	for _, want := range []string{"Throughput", "Lag by partition", "p99 by stage", "Mean time by stage", "End-to-end latency",
		"Breaches and warnings", "Attainment (last hour)", "Instances", "Partitions owned"} {
		if !slices.Contains(titles, want) {
			t.Errorf("dashboard lacks the panel %q; it has %q", want, titles)
		}
	}
}

// TestUnknownMetricsFound checks the check itself: a misspelt metric and a
// histogram's series are told apart.
func TestUnknownMetricsFound(t *testing.T) {
	t.Parallel()
	known := []string{"ordertrack_stage_seconds", "ordertrack_batches_total"}
	got := unknownMetrics(`rate(ordertrack_stage_seconds_bucket[5m]) + rate(ordertrack_stage_seconds_count[5m])
		/ ordertrack_batches_total + ordertrack_batch_total + ordertrack_batches_total_sum`, known)
	if want := []string{"ordertrack_batch_total", "ordertrack_batches_total_sum"}; !slices.Equal(got, want) {
		t.Errorf("unknown %v, want %v", got, want)
	}
}

// registeredMetrics is every metric name /metrics can export, from the
// descriptions of the collectors run registers.
func registeredMetrics(t *testing.T) []string {
	t.Helper()
	js := pipelinetest.RunJetStream(t)
	hs, err := httpsource.New(httpsource.Options{Conn: js.Conn})
	if err != nil {
		t.Fatal(err)
	}
	return monitor.MetricNames(notify.NewMetrics(), monitor.ReloadCollector(func() (uint64, uint64) { return 0, 0 }),
		ingest.NewMetrics(), &kafka.Source{}, hs.Collector())
}

var metricName = regexp.MustCompile(`\bordertrack_[a-zA-Z0-9_]+`)

// unknownMetrics returns the ordertrack metrics expr names that are not
// known, allowing a histogram's _bucket, _sum and _count series.
func unknownMetrics(expr string, known []string) []string {
	var bad []string
	for _, name := range metricName.FindAllString(expr, -1) {
		if slices.Contains(known, name) {
			continue
		}
		base, ok := "", false
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, cut := strings.CutSuffix(name, suffix); cut {
				base, ok = b, true
			}
		}
		if !ok || !slices.Contains(known, base) || strings.HasSuffix(base, "_total") {
			bad = append(bad, name)
		}
	}
	slices.Sort(bad)
	return slices.Compact(bad)
}

type alertRule struct{ name, expr string }

func alerts(t *testing.T) []alertRule {
	t.Helper()
	var rules alertRules
	readYAML(t, alertsFile, &rules)
	var out []alertRule
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				out = append(out, alertRule{r.Alert, r.Expr})
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no alert", alertsFile)
	}
	return out
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
