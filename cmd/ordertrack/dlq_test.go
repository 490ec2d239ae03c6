package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/deadletter"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// cli runs one ordertrack command against the running pipeline s and
// returns its exit status, stdout and stderr.
func cli(t *testing.T, s *started, args ...string) (int, string, string) {
	t.Helper()
	return runCommand(t, append(args, "--nats.embedded.listen", strings.TrimPrefix(s.info.NATSURL, "nats://"))...)
}

// listLetters returns the dead letters `dlq list --json` prints.
func listLetters(t *testing.T, s *started, extra ...string) []deadletter.Letter {
	t.Helper()
	code, out, errs := cli(t, s, append([]string{"dlq", "list", "--json"}, extra...)...)
	if code != 0 {
		t.Fatalf("dlq list: exit %d: %s", code, errs)
	}
	var ls []deadletter.Letter
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var l deadletter.Letter
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("dlq list --json: %v in %q", err, out)
		}
		ls = append(ls, l)
	}
	return ls
}

func waitLetters(t *testing.T, s *started, n int, extra ...string) []deadletter.Letter {
	t.Helper()
	var ls []deadletter.Letter
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if ls = listLetters(t, s, extra...); len(ls) < n {
			return fmt.Errorf("%d dead letters %v, want %d", len(ls), extra, n)
		}
		return nil
	})
	return ls
}

// orderStatus reads an order's status from the ORDERS bucket ("" if absent).
func orderStatus(t *testing.T, js jetstream.JetStream, id string) string {
	t.Helper()
	kv, err := js.KeyValue(context.Background(), contract.OrdersBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(context.Background(), id)
	if err != nil {
		return ""
	}
	st, err := contract.DecodeState(e.Value())
	if err != nil {
		return "undecodable"
	}
	return string(st.Status)
}

// TestDLQListAndReplay drives dlq list and replay against a running
// pipeline: an invalid event replayed unchanged is dead-lettered again; an
// event that failed on a broken order record is processed once replayed
// after the fix.
func TestDLQListAndReplay(t *testing.T) {
	t.Parallel()
	args := append(runArgs(t.TempDir()), "--generator.enabled", "false", "--output.console", "false", "--streaming.max_deliver", "2")
	s := startMain(t, args...)
	nc, err := nats.Connect(s.info.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	topo := contract.Topology{Prefix: "orders", Partitions: 4}

	// An invalid event: listed with its reason, subject and body.
	bad := `{"order_id":"DLQ-Q1","event_type":"ORDER_PLACED","quantity":-1}`
	if _, err := js.Publish(ctx, testTopo.EventSubject("DLQ-Q1"), []byte(bad)); err != nil {
		t.Fatal(err)
	}
	first := waitLetters(t, s, 1)[0]
	src := topo.StoredEventSubject("DLQ-Q1")
	if first.Reason != "invalid_field" || first.SourceSubject != src || first.Body != bad || first.Subject != "orders.dlq.invalid_field" ||
		!strings.Contains(first.Error, "quantity") || first.SourceSeq == 0 || first.Stored.IsZero() {
		t.Errorf("dead letter %+v", first)
	}
	code, out, _ := cli(t, s, "dlq", "list")
	for _, want := range []string{"REASON", "invalid_field", src, `{"order_id":"DLQ-Q1","event_type":"ORDER_PLACED","quantity":... (63 bytes)`, "1 dead letters"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("dlq list (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	if code, _, errs := cli(t, s, "dlq", "list", "--reason", "bogus"); code == 0 || !strings.Contains(errs, "max_deliveries") {
		t.Errorf("bad --reason: exit %d, stderr %q", code, errs)
	}

	// Replayed without a fix, it comes back as a new dead letter.
	if code, out, _ := cli(t, s, "dlq", "replay", "--dry-run"); code != 0 || !strings.Contains(out, "would replay 1 dead letters") {
		t.Errorf("dry run: exit %d: %s", code, out)
	}
	if ls := listLetters(t, s); len(ls) != 1 || ls[0].Seq != first.Seq {
		t.Fatalf("dry run changed the dead letters: %+v", ls)
	}
	if code, out, errs := cli(t, s, "dlq", "replay", "--reason", "invalid_field"); code != 0 || !strings.Contains(out, "replayed 1 dead letters") {
		t.Fatalf("replay: exit %d: %s %s", code, out, errs)
	}
	again := waitLetters(t, s, 1)
	if len(again) != 1 || again[0].Seq == first.Seq || again[0].Body != bad || again[0].SourceSeq <= first.SourceSeq {
		t.Errorf("after replay: %+v, want one new dead letter of the same body", again)
	}

	// An event of an order whose KV record is broken fails on every
	// delivery and is dead-lettered as max_deliveries ...
	kv, err := js.KeyValue(ctx, contract.OrdersBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "DLQ-P1", []byte("{garbage")); err != nil {
		t.Fatal(err)
	}
	good := fmt.Sprintf(`{"order_id":"DLQ-P1","event_type":"ORDER_PLACED","item_name":"Socks","timestamp":%q}`, time.Now().UTC().Format(time.RFC3339Nano))
	if _, err := js.Publish(ctx, testTopo.EventSubject("DLQ-P1"), []byte(good)); err != nil {
		t.Fatal(err)
	}
	poisoned := waitLetters(t, s, 1, "--reason", "max_deliveries")
	if poisoned[0].Body != good || poisoned[0].SourceSubject != topo.StoredEventSubject("DLQ-P1") {
		t.Errorf("max_deliveries letter %+v", poisoned[0])
	}
	// ... and processed once the record is fixed and the letter replayed.
	if err := kv.Delete(ctx, "DLQ-P1"); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, s, "dlq", "replay", "--reason", "max_deliveries"); code != 0 || !strings.Contains(out, "replayed 1 dead letters") {
		t.Fatalf("replay: exit %d: %s %s", code, out, errs)
	}
	pipelinetest.WaitFor(t, pipelinetest.WaitTimeout(), func() error {
		if st := orderStatus(t, js, "DLQ-P1"); st != "ORDER" {
			return fmt.Errorf("replayed event not processed: status %q", st)
		}
		return nil
	})
	if ls := listLetters(t, s, "--reason", "max_deliveries"); len(ls) != 0 {
		t.Errorf("replayed dead letter still listed: %+v", ls)
	}
	if ls := listLetters(t, s); len(ls) != 1 || ls[0].Reason != "invalid_field" {
		t.Errorf("dead letters after both replays: %+v", ls)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d", code)
	}
}
