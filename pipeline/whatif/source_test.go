package whatif

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestReadLinesReplaysLikeTheStream: the known events as a JSON-lines file
// (blank and indented lines, the invalid one included) give the stream's
// counts, rows and changed orders: each line's order id and stored time are
// its own.
func TestReadLinesReplaysLikeTheStream(t *testing.T) {
	var file strings.Builder
	for _, in := range known() {
		file.WriteString("  " + string(in.Data) + "\n\n")
	}
	o := Options{Base: rules(10 * time.Second), New: rules(5 * time.Second), Now: t0.Add(time.Hour), MaxSkew: time.Minute, Shards: 2}
	r := New(o)
	if err := ReadLines(strings.NewReader(file.String()), r); err != nil {
		t.Fatal(err)
	}
	got := r.Finish()
	want := replay(t, o.Base, o.New, 2)
	if got.Events != 8 || got.Invalid != 1 || got.Orders() != 4 {
		t.Fatalf("events %d invalid %d orders %d, want 8 1 4", got.Events, got.Invalid, got.Orders())
	}
	if g, w := got.Rows(""), want.Rows(""); !reflect.DeepEqual(g, w) {
		t.Errorf("rows %+v\nwant %+v", g, w)
	}
	if g, w := got.Changed(-1), want.Changed(-1); !reflect.DeepEqual(g, w) {
		t.Errorf("changed %+v, want %+v", g, w)
	}
}
