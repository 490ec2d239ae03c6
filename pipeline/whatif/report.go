package whatif

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Report is what 'ordertrack whatif' shows of a Result: the rows of one
// grouping and the first orders whose outcome changes, as text or JSON
// (as bench.Report is shown).
type Report struct {
	Result  Result
	By      order.Grouping // "" for one group, all
	Rows    []Row
	Changed []Change      // the first Show of Result.Changed
	Took    time.Duration // the replay's wall time
}

// NewReport groups res by by and lists its first show changed orders.
func NewReport(res Result, by order.Grouping, show int, took time.Duration) Report {
	return Report{Result: res, By: by, Rows: res.Rows(by), Changed: res.Changed(show), Took: took}
}

// WriteJSON writes the JSON of whatif --json: events, orders, by ("all"
// for none), rows and changed ([] for none).
func (r Report) WriteJSON(w io.Writer) error {
	by := string(r.By)
	if by == "" {
		by = "all"
	}
	out := struct {
		Events  int      `json:"events"`
		Orders  int      `json:"orders"`
		By      string   `json:"by"`
		Rows    []Row    `json:"rows"`
		Changed []Change `json:"changed"`
	}{r.Result.Events, r.Result.Orders(), by, r.Rows, r.Changed}
	if out.Changed == nil {
		out.Changed = []Change{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteText writes the replay's summary line, the rows and the changed
// orders.
func (r Report) WriteText(w io.Writer) {
	res := r.Result
	fmt.Fprintf(w, "Replayed %d events (%d invalid) of %d orders in %s (%.0f events/s)\n",
		res.Events, res.Invalid, res.Orders(), r.Took.Round(time.Millisecond), float64(res.Events)/max(r.Took.Seconds(), 1e-9))
	writeRows(w, r.Rows, r.Result.Predicts)
	writeChanged(w, r.Changed, len(res.Changed(-1)))
}

// writeRows prints the rows; PREDICTED (of which breached) when either
// configuration predicts.
func writeRows(w io.Writer, rows []Row, predicts bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "GROUP\tSLA\tORDERS\tMET base→new\tBREACHED base→new\tWARNINGS base→new\t"
	if predicts {
		head += "PREDICTED base→new\tPREDICTED+BREACHED base→new\t"
	}
	fmt.Fprintln(tw, head+"ON-TIME base→new")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t", r.Group, r.SLA, r.New.Orders,
			change(r.Base.Met, r.New.Met), change(r.Base.Breached, r.New.Breached), change(r.Base.Warnings, r.New.Warnings))
		if predicts {
			fmt.Fprintf(tw, "%s\t%s\t", change(r.Base.Predicted, r.New.Predicted), change(r.Base.PredictedBreached, r.New.PredictedBreached))
		}
		fmt.Fprintf(tw, "%.2f%% → %.2f%% (%+.2f pp)\n", 100*r.Base.OnTimeRate, 100*r.New.OnTimeRate, 100*(r.New.OnTimeRate-r.Base.OnTimeRate))
	}
	tw.Flush()
}

func change(a, b int) string {
	if a == b {
		return fmt.Sprintf("%d → %d", a, b)
	}
	return fmt.Sprintf("%d → %d (%+d)", a, b, b-a)
}

func writeChanged(w io.Writer, changed []Change, total int) {
	if total == 0 {
		fmt.Fprintln(w, "\nNo order's outcome changes.")
		return
	}
	if len(changed) == 0 { // --show 0
		fmt.Fprintf(w, "\nThe outcome of %d orders changes (--show N lists them).\n", total)
		return
	}
	fmt.Fprintf(w, "\nOrders whose outcome changes (%d of %d):\n", len(changed), total)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER\tSLA\tBASE\tNEW")
	for _, c := range changed {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.OrderID, c.SLA, c.Base, c.New)
	}
	tw.Flush()
}
