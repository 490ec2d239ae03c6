package monitor_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/generator"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/ownership"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// chromiumPath is Debian's chromium, which .ci/run installs when missing.
const chromiumPath = "/usr/bin/chromium"

// screenshotDir is where the browser test saves its screenshots.
const screenshotDir = "testdata/screenshots"

// TestDashboardInBrowser drives the real page in headless Chromium against
// a running pipeline with second-scale SLAs and demo traffic: it enters the
// auth token, waits for a breach placed after the page loaded to appear in
// the live feed without a reload, searches that order and checks its
// timeline, and saves screenshots at desktop and phone widths (with
// ORDERTRACK_UPDATE_SCREENSHOT=1 the desktop one also becomes
// docs/dashboard.png).
func TestDashboardInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: .ci/run installs Debian's chromium package (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("%s is missing (apt-get install -y chromium); the browser test needs it", chromiumPath)
	}
	t.Parallel()
	const token = "browser-test-token"
	e := setup(t, withConfig(func(c *config.Config) {
		c.SLA.Processing, c.SLA.Shipping, c.SLA.Delivery = 2*time.Second, 2*time.Second, 6*time.Second
		c.SLA.WarnAt = []float64{0.5}
		c.SLA.Predict.By = []string{"tenant_id"}
	}), withMonitor(func(o *monitor.Options) {
		o.AuthToken, o.StatusEvery = token, 500*time.Millisecond
	}), withPipeline(func(o *pipeline.Options) {
		// The heartbeat reports a Kafka source, as run's does with
		// ingest.kafka.enabled.
		o.Instance.Ingest = func() []ownership.Source {
			return []ownership.Source{{Source: "kafka", State: "running", Group: "ordertrack", Stored: 12, DeadLettered: 1,
				Partitions: []ownership.SourcePartition{{Topic: "orders", Partition: 0, Committed: 7, Lag: 3}, {Topic: "orders", Partition: 1, Committed: 6, Lag: 2}}}}
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go feedDemo(ctx, t, e)
	// An order of a tenant of its own whose processing breach a predicted
	// warning foretold 1.5 s ahead; warn_at 0.5 warns it at 1 s.
	e.publishFull(t, "ORD-TRUST-1", "ORDER_PLACED", time.Now().Truncate(time.Millisecond), "trust")
	e.publishWarning(t, "ORD-TRUST-1", "processing", "predicted", 1.5)

	browser, blog := startBrowser(t, ctx)
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(browser, actions...); err != nil {
			var state string
			dctx, cancel := context.WithTimeout(browser, 2*time.Second)
			defer cancel()
			_ = chromedp.Run(dctx, chromedp.Evaluate(`JSON.stringify({conn: document.getElementById("conn").textContent,
				q: document.getElementById("q").value, order: document.getElementById("order-id").textContent,
				msg: document.getElementById("order-msg").textContent, active: document.activeElement.id,
				history: document.getElementById("history").textContent.slice(0, 300)})`, &state))
			t.Fatalf("%s: %v\npage: %s", what, err, state)
		}
	}
	var shellAttainment string
	run("open the page and give the token",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(e.base+"/"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById("attainment").textContent`, &shellAttainment),
		chromedp.SendKeys("#token", token+"\n", chromedp.ByID), // Enter submits the form as a user does
		chromedp.WaitVisible("#main", chromedp.ByID),
		chromedp.WaitVisible(`#conn.live`, chromedp.ByQuery),
	)

	// Placed now, after the page loaded: its breach can only reach the
	// feed live.
	const id = "ORD-BROWSER-1"
	placed := time.Now().Truncate(time.Millisecond)
	e.publishFull(t, id, "ORDER_PLACED", placed, "acme")
	want := "SLA BREACH: Order " + id + " not processed within 2s - Item: Jeans"
	run("wait for the breach in the live feed",
		chromedp.WaitVisible(`#feed li[data-order="`+id+`"][data-type="SLA_BREACH"]`, chromedp.ByQuery),
		chromedp.Poll(fmt.Sprintf(`Array.from(document.querySelectorAll('#feed li[data-order=%q] .msg')).some(m => m.textContent === %q)`, id, want),
			nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)),
	)

	var placedAt, procState, procDeadline, history string
	run("search the order and read its timeline",
		chromedp.SendKeys("#q", id+"\n", chromedp.ByID),
		chromedp.WaitVisible("#order-view", chromedp.ByID),
		chromedp.WaitVisible(`#history tr[data-type="SLA_BREACH"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`#stages li[data-stage="ORDER"] time`, "datetime", &placedAt, nil, chromedp.ByQuery),
		chromedp.Text(`#slas tr[data-sla="processing"] .state`, &procState, chromedp.ByQuery),
		chromedp.AttributeValue(`#slas tr[data-sla="processing"] td:nth-child(2)`, "title", &procDeadline, nil, chromedp.ByQuery),
		chromedp.Text("#history", &history, chromedp.ByID),
	)
	if got, err := time.Parse(time.RFC3339Nano, placedAt); err != nil || !got.Equal(placed) {
		t.Errorf("ORDER stage at %q, want %s", placedAt, placed.Format(time.RFC3339Nano))
	}
	if got, err := time.Parse(time.RFC3339Nano, procDeadline); procState != "breached" || err != nil || !got.Equal(placed.Add(2*time.Second)) {
		t.Errorf("processing SLA %q due %q, want breached due %s", procState, procDeadline, placed.Add(2*time.Second).Format(time.RFC3339Nano))
	}
	if !strings.Contains(history, "ORDER_CONFIRMED") || strings.Count(history, want) != 1 {
		t.Errorf("outputs %q, want ORDER_CONFIRMED and one %q", history, want)
	}

	run("the instances' ingest sources are listed",
		chromedp.Poll(`document.getElementById("ingest").textContent.startsWith("kafka on ") && document.getElementById("ingest").textContent.endsWith(" — running · group ordertrack · stored 12, dead-lettered 1 · lag 5 on 2 partitions") && !document.getElementById("ingest-h").hidden`,
			nil, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))

	var breaches string
	run("wait for the overview to count the breach",
		chromedp.Poll(`Number(document.getElementById("breaches").textContent) > 0 && document.querySelectorAll("#partitions tr").length == 2`, nil, chromedp.WithPollingInterval(100*time.Millisecond)),
		chromedp.Text("#breaches", &breaches, chromedp.ByID))
	// Every panel shows data: attainment has met and breached orders, the
	// at-risk list and the feed have entries. For the README's screenshot
	// the chart also spans half a minute.
	span := 0
	if os.Getenv("ORDERTRACK_UPDATE_SCREENSHOT") == "1" {
		span = 30
	}
	run("wait for every panel to show data", chromedp.Poll(fmt.Sprintf(`(() => {
		const row = document.querySelector('#attainment tr[data-key="all/processing"]');
		const pts = (document.getElementById("line-input").getAttribute("points") || "").split(" ").length;
		return row && Number(row.cells[3].textContent) > 0 && Number(row.cells[4].textContent) > 0 &&
			document.querySelectorAll("#atrisk tr").length > 0 && document.querySelectorAll("#feed li").length >= 3 &&
			pts > %d;
	})()`, span*2), nil, chromedp.WithPollingInterval(200*time.Millisecond)))
	// The attainment panel scores the predicted warnings as report
	// --predictions does (/api/predictions, recomputed every 10 s).
	var trust string
	run("see the predicted warnings scored", chromedp.Poll(`(() => {
		const row = document.querySelector('#predictions tr[data-key="processing/tenant_id=trust"]');
		return row !== null && row.cells[2].textContent === "1";
	})()`, nil, chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(`Array.from(document.querySelector('#predictions tr[data-key="processing/tenant_id=trust"]').cells).map(c => c.textContent).join("|")`, &trust))
	if want := "processing|tenant_id=trust|1|0|0|100%|100%|1.5s|100%|100%"; trust != want {
		t.Errorf("predictions row %q, want %q", trust, want)
	}
	if shellAttainment != "loading…" {
		t.Errorf("attainment before any data: %q, want loading…", shellAttainment)
	}
	checkDashboardDetails(t, run)

	// No flicker: the page updates rows in place. A partition row and a
	// feed entry are the same elements after the next refresh.
	var same bool
	run("see the DOM updated in place",
		chromedp.Evaluate(`window.keep = {row: document.querySelector("#partitions tr"), li: document.querySelector("#feed li"), at: document.getElementById("status-at").textContent}`, nil),
		chromedp.Poll(`document.getElementById("status-at").textContent !== window.keep.at`, nil, chromedp.WithPollingInterval(100*time.Millisecond)),
		chromedp.Evaluate(`window.keep.row === document.querySelector("#partitions tr") && window.keep.row.isConnected && window.keep.li.isConnected`, &same))
	if !same {
		t.Error("a refresh replaced the partition row or the feed entry instead of updating it in place")
	}

	// Keyboard: "/" focuses the search box; an order id in the feed is a
	// button that Enter opens.
	var focused, opened string
	run("use the keyboard",
		chromedp.Evaluate(`document.activeElement.blur()`, nil),
		chromedp.KeyEvent("/"),
		chromedp.Evaluate(`document.activeElement.id`, &focused),
		chromedp.Focus(`#feed li[data-type="SLA_BREACH"]:not([data-order="`+id+`"]) button[data-order]`, chromedp.ByQuery),
		chromedp.KeyEvent("\r"),
		// The panel takes the focus once the order is shown: wait for that,
		// or it would take it from the search box below mid-typing.
		chromedp.Poll(`document.getElementById("order-id").textContent !== "`+id+`" && document.activeElement.id === "order-panel"`, nil,
			chromedp.WithPollingTimeout(pipelinetest.WaitTimeout())),
		chromedp.Text("#order-id", &opened, chromedp.ByID))
	if focused != "q" || !strings.HasPrefix(opened, "ORD-DEMO-") {
		t.Errorf("after / the focus is on %q (want q); Enter on a feed entry opened %q (want an ORD-DEMO- order)", focused, opened)
	}
	run("show the searched order again for the screenshots",
		chromedp.Evaluate(`document.getElementById("q").value = ""`, nil),
		chromedp.SendKeys("#q", id+"\n", chromedp.ByID),
		chromedp.Poll(`document.getElementById("order-id").textContent === "`+id+`" && !document.getElementById("order-view").hidden &&
			document.getElementById("history").textContent.includes("Order `+id+` not processed")`, nil))

	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	var desktop, phone []byte
	run("screenshot at desktop width", chromedp.FullScreenshot(&desktop, 100))
	run("screenshot at phone width",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.WaitVisible("#order-view", chromedp.ByID),
		chromedp.FullScreenshot(&phone, 100))
	for name, b := range map[string][]byte{"dashboard-desktop.png": desktop, "dashboard-phone.png": phone} {
		if err := os.WriteFile(filepath.Join(screenshotDir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if os.Getenv("ORDERTRACK_UPDATE_SCREENSHOT") == "1" {
		if err := os.WriteFile("../../docs/dashboard.png", desktop, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if ex := blog.problems(); len(ex) > 0 {
		t.Errorf("the page threw or broke its CSP: %s", strings.Join(ex, "; "))
	}
	sawTicket := false
	for _, u := range blog.requested() {
		if strings.Contains(u, token) {
			t.Errorf("the page put the token in a URL: %s", u)
		}
		sawTicket = sawTicket || strings.Contains(u, "/api/events?access_token=")
	}
	if !sawTicket {
		t.Errorf("the page never opened /api/events with a ticket; it requested %q", blog.requested())
	}
}

// TestDashboardBeforeFirstScan: before the first read of the ORDERS
// bucket (here: never, the scan is off) the page shows the status it can
// have at once and says "loading…" for attainment and the at-risk list,
// instead of blank panels.
func TestDashboardBeforeFirstScan(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: .ci/run installs Debian's chromium package (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("%s is missing (apt-get install -y chromium); the browser test needs it", chromiumPath)
	}
	t.Parallel()
	e := setup(t, withMonitor(func(o *monitor.Options) { o.NoReadModel, o.StatusEvery = true, 200*time.Millisecond }))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	browser, blog := startBrowser(t, ctx)
	var at, attainmentAt, attainment, atRisk string
	err := chromedp.Run(browser,
		chromedp.Navigate(e.base+"/"),
		chromedp.Poll(`document.getElementById("status-at").textContent !== "" && document.getElementById("attainment-at").textContent.startsWith("loading… (")`,
			nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text("#status-at", &at, chromedp.ByID),
		chromedp.Text("#attainment-at", &attainmentAt, chromedp.ByID),
		chromedp.Text("#attainment", &attainment, chromedp.ByID),
		chromedp.Text("#atrisk", &atRisk, chromedp.ByID))
	if err != nil {
		var state string
		_ = chromedp.Run(browser, chromedp.Evaluate(`JSON.stringify({at: document.getElementById("status-at").textContent,
			attainment: document.getElementById("attainment-at").textContent, conn: document.getElementById("conn").textContent})`, &state))
		t.Fatalf("the status before the first scan: %v\npage: %s", err, state)
	}
	if !strings.HasPrefix(at, "at ") || attainmentAt != "loading… (first read of the orders)" || attainment != "loading…" || atRisk != "loading…" {
		t.Errorf("status %q, attainment %q %q, at risk %q; want the status time and loading… for the others", at, attainmentAt, attainment, atRisk)
	}
	if p := blog.problems(); len(p) > 0 {
		t.Errorf("the page threw or broke its CSP: %s", strings.Join(p, "; "))
	}
}

// checkDashboardDetails checks, on a page showing live data: the chart's
// y-axis scale and legend values, a spike clipped instead of flattening
// the rest, the instances line, times with their zone, and the feed's
// filter (warnings kept but hidden by default, shown when ticked).
func checkDashboardDetails(t *testing.T, run func(string, ...chromedp.Action)) {
	t.Helper()
	var d struct {
		YLabels    []string `json:"ylabels"`
		LegendIn   string   `json:"legendIn"`
		LegendProc string   `json:"legendProc"`
		StatusAt   string   `json:"statusAt"`
		Instances  []string `json:"instances"`
		Stage      string   `json:"stage"`
	}
	run("read the chart, the legend, the instances and the times", chromedp.Evaluate(`(() => ({
		ylabels: Array.from(document.querySelectorAll("#y-axis .y-label")).map(e => e.textContent),
		legendIn: document.getElementById("legend-input").textContent,
		legendProc: document.getElementById("legend-process").textContent,
		statusAt: document.getElementById("status-at").textContent,
		instances: Array.from(document.querySelectorAll("#instances li")).map(e => e.textContent),
		stage: document.querySelector('#stages li[data-stage="ORDER"] time').textContent,
	}))()`, &d))
	top, _ := strconv.ParseFloat(strings.ReplaceAll(firstOr(d.YLabels, ""), ",", ""), 64)
	if len(d.YLabels) != 3 || top <= 0 || d.YLabels[2] != "0" {
		t.Errorf("y-axis labels %q, want three: a positive top, its half, 0", d.YLabels)
	}
	rate := regexp.MustCompile(`^[0-9][0-9,.]*/s$`)
	if !rate.MatchString(d.LegendIn) || !rate.MatchString(d.LegendProc) {
		t.Errorf("legend values %q and %q, want the current rates (N/s)", d.LegendIn, d.LegendProc)
	}
	if !regexp.MustCompile(`^at \d\d:\d\d:\d\d ` + regexp.QuoteMeta(zoneName) + `$`).MatchString(d.StatusAt) {
		t.Errorf("status time %q, want at HH:MM:SS %s", d.StatusAt, zoneName)
	}
	if !strings.HasSuffix(d.Stage, zoneName) {
		t.Errorf("stage time %q, want it with its zone %s", d.Stage, zoneName)
	}
	instance := regexp.MustCompile(`^\S+ — partitions 0–1 · version \S+ · since \d\d:\d\d:\d\d ` + regexp.QuoteMeta(zoneName) + `$`)
	if len(d.Instances) != 1 || !instance.MatchString(d.Instances[0]) || strings.Contains(d.Instances[0], ",") {
		t.Errorf("instances %q, want one: name — partitions 0–1 · version V · since HH:MM:SS zone, no comma", d.Instances)
	}

	// A backfill spike: 1000/s once among 10/s. The scale fits the rest
	// (top 20/s), the spike is clipped and marked on both lines.
	var clip struct {
		Top   string `json:"top"`
		Marks int    `json:"marks"`
		Note  string `json:"note"`
		Peak  string `json:"peak"`
	}
	run("draw a spike", chromedp.Evaluate(`(() => {
		const points = Array.from({length: 150}, (_, i) => ({at: new Date(Date.now() - (150 - i) * 2000).toISOString(),
			input_rate: i === 70 ? 1000 : 10, processing_rate: i === 70 ? 1000 : 9}));
		ordertrack.renderChart({points});
		return {top: document.querySelector("#y-axis .y-label").textContent, marks: document.querySelectorAll("#clips line").length,
			note: document.getElementById("chart-clip").textContent, peak: document.getElementById("chart-max").textContent};
	})()`, &clip))
	if clip.Top != "20" || clip.Marks != 2 || clip.Note != ", clipped above 20/s (marked at the top)" || clip.Peak != "1,000/s" {
		t.Errorf("a 1000/s spike among 10/s: top %q, %d clip marks, note %q, peak %q; want top 20, 2 marks, clipped above 20/s, peak 1,000/s",
			clip.Top, clip.Marks, clip.Note, clip.Peak)
	}

	visible := func(typ string) string {
		return fmt.Sprintf(`Array.from(document.querySelectorAll('#feed li[data-type=%q]')).filter(li => li.offsetParent !== null).length`, typ)
	}
	var breaches, warnings, shown, hiddenAgain int
	run("warnings are kept but hidden by default",
		chromedp.Poll(`document.querySelectorAll('#feed li[data-type="SLA_AT_RISK"]').length > 0`, nil, chromedp.WithPollingInterval(100*time.Millisecond)),
		chromedp.Evaluate(visible("SLA_BREACH"), &breaches),
		chromedp.Evaluate(visible("SLA_AT_RISK"), &warnings))
	run("tick warnings, then untick them",
		chromedp.Click(`#feed-filter input[name="SLA_AT_RISK"]`, chromedp.ByQuery),
		chromedp.Evaluate(visible("SLA_AT_RISK"), &shown),
		chromedp.Click(`#feed-filter input[name="SLA_AT_RISK"]`, chromedp.ByQuery),
		chromedp.Evaluate(visible("SLA_AT_RISK"), &hiddenAgain))
	if breaches == 0 || warnings != 0 || shown == 0 || hiddenAgain != 0 {
		t.Errorf("feed filter: %d breaches and %d warnings visible by default (want >0 and 0); %d warnings once ticked (want >0), %d once unticked (want 0)",
			breaches, warnings, shown, hiddenAgain)
	}
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

// browserLog collects what a page did that a test checks afterwards: its
// uncaught exceptions, Content-Security-Policy violations and the URLs it
// requested.
type browserLog struct {
	mu         sync.Mutex
	exceptions []string
	violations []string
	urls       []string
}

func (b *browserLog) add(to *[]string, s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	*to = append(*to, s)
}

// problems returns the exceptions and CSP violations so far.
func (b *browserLog) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append(slices.Clone(b.exceptions), b.violations...)
}

// requested returns the URLs requested so far.
func (b *browserLog) requested() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.urls)
}

// startBrowser starts headless Chromium with a fresh profile and no
// network features, in the time zone Asia/Kolkata (a zone whose name the
// page must show), and returns its context and its log.
func startBrowser(t *testing.T, ctx context.Context) (context.Context, *browserLog) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	bl := &browserLog{}
	chromedp.ListenTarget(bctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			bl.add(&bl.exceptions, e.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			if strings.Contains(e.Entry.Text, "Content Security Policy") {
				bl.add(&bl.violations, e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			bl.add(&bl.urls, e.Request.URL)
		}
	})
	if err := chromedp.Run(bctx, network.Enable(), cdplog.Enable(), emulation.SetTimezoneOverride(browserZone)); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return bctx, bl
}

// browserZone is the browser's time zone in the tests, and zoneName how
// the page names it.
const (
	browserZone = "Asia/Kolkata"
	zoneName    = "GMT+5:30"
)

// feedDemo publishes the realistic demo traffic in real time until ctx is
// done, as run's demo generator does.
func feedDemo(ctx context.Context, t *testing.T, e *env) {
	g, err := generator.New(generator.Config{Scenario: generator.Realistic, Seed: 7, Rules: e.cfg.Rules(),
		Start: time.Now(), Rate: 30, IDPrefix: "ORD-DEMO-"})
	if err != nil {
		t.Error(err)
		return
	}
	topo := contract.Topology{Prefix: e.cfg.Subjects.Prefix, Partitions: e.cfg.Streaming.Partitions}
	for {
		em, ok := g.Next()
		if !ok {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(em.At)): // the event's own time: demo traffic is paced in real time
		}
		m := nats.NewMsg(topo.EventSubject(em.Event.OrderID))
		m.Data = g.JSON(em.Event)
		if !em.Duplicate {
			m.Header.Set(jetstream.MsgIDHeader, fmt.Sprint(em.Event.EventID))
		}
		_, _ = e.js.PublishMsg(ctx, m)
	}
}
