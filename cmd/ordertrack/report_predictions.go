package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/monitor"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// reportPredictions prints report --predictions: the predicted warnings
// scored per SLA and segment, the warn_at ones beside them.
func (m *Main) reportPredictions(ctx context.Context, cfg config.Config, since time.Time, asJSON bool) error {
	c, err := broker.Dial(cfg.NATS, "ordertrack report", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	p, err := monitor.Predictions(ctx, c.JS, contract.TopologyOf(cfg), cfg.SLA.Predict.By, since)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	writePredictions(m.Stdout, p, cfg.SLA.Predict)
	return nil
}

// writePredictions prints the predicted warnings' scores, then the warn_at
// warnings' of the same SLAs.
func writePredictions(w io.Writer, p order.Predictions, predict config.Predict) {
	if !predict.Enabled {
		fmt.Fprintln(w, "sla.predict.enabled is false: no predicted warnings are sent ('ordertrack whatif --set sla.predict.enabled=true' tries them on recorded events).")
	}
	if len(p.Rows) == 0 {
		fmt.Fprintln(w, "No SLA has ended yet.")
		return
	}
	if p.Since != nil {
		fmt.Fprintf(w, "Orders placed since %s\n", p.Since.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "Predicted warnings (threshold %g, segments by %s) of the SLAs that ended:\n", predict.Threshold, segmentsBy(p.By))
	rows := p.Rows
	if len(p.Rows) > len(p.Totals) { // some SLA has several segments: their totals too
		rows = append(slices.Clone(p.Rows), p.Totals...)
	}
	writeScores(w, rows, func(r order.PredictionRow) order.WarningScore { return r.WarningScore })
	fmt.Fprintln(w, "\nsla.warn_at warnings of the same SLAs (the first of each), for comparison:")
	writeScores(w, rows, func(r order.PredictionRow) order.WarningScore { return r.WarnAt })
}

// writeScores prints one kind of warning's score per row.
func writeScores(w io.Writer, rows []order.PredictionRow, score func(order.PredictionRow) order.WarningScore) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SLA\tSEGMENT\tWARNED+BREACHED\tWARNED+MET\tBREACHED UNWARNED\tPRECISION\tRECALL\tMEDIAN LEAD")
	for _, r := range rows {
		s := score(r)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", r.SLA, segmentText(r.Segment), s.WarnedBreached, s.WarnedMet,
			s.BreachedUnwarned, percent(s.Precision, s.WarnedBreached+s.WarnedMet), percent(s.Recall, s.WarnedBreached+s.BreachedUnwarned),
			leadText(s.MedianLeadSeconds, s.WarnedBreached))
	}
	tw.Flush()
}

// leadText shows a median lead time, or "-" when no breach was foretold.
func leadText(seconds float64, of uint64) string {
	if of == 0 {
		return "-"
	}
	return time.Duration(seconds * float64(time.Second)).Round(time.Millisecond).String()
}

// segmentText shows a segment, "(all orders)" for the one segment of an
// empty sla.predict.by.
func segmentText(s string) string {
	if s == "" {
		return "(all orders)"
	}
	return s
}

// segmentsBy names the segment fields, "nothing" for none.
func segmentsBy(by []string) string {
	if len(by) == 0 {
		return "nothing"
	}
	return strings.Join(by, ", ")
}
