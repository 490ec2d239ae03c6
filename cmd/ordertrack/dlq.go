package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/notify"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// bodyPreview is how many bytes of a dead letter's body list shows.
const bodyPreview = 60

// dlqCommand lists or replays the dead letters of ORDER_DLQ.
func (m *Main) dlqCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq <list|replay> [flags]",
		Short: "list or replay dead letters",
		Long: "List or replay the dead letters of ORDER_DLQ.\n\n" +
			"list shows each dead letter: sequence, time stored, reason, source subject, error and the first bytes of the body.\n" +
			"replay republishes each dead letter's original bytes to its input subject and removes it from ORDER_DLQ.\n" +
			"Reasons: " + reasonList(),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return usagef(cmd, "needs a subcommand: list or replay") },
	}
	cmd.AddCommand(m.dlqListCommand(), m.dlqReplayCommand())
	return cmd
}

func reasonList() string {
	s := make([]string, len(order.Reasons))
	for i, r := range order.Reasons {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// dlqFlags registers --reason and the configuration flags.
func (m *Main) dlqFlags(cmd *cobra.Command) (reason *string, load configLoader) {
	reason = cmd.Flags().String("reason", "", "only dead letters of this reason ("+reasonList()+")")
	return reason, m.configFlags(cmd)
}

// dlqSource connects to NATS and returns the subject filter of --reason.
func (m *Main) dlqSource(load configLoader, reason string) (*conn, config.Config, string, error) {
	cfg, err := load()
	if err != nil {
		return nil, cfg, "", err
	}
	topo := pipeline.TopologyOf(cfg)
	filter := topo.DLQWildcard()
	if reason != "" {
		if !validReason(reason) {
			return nil, cfg, "", fmt.Errorf("--reason %q is not a dead-letter reason; use one of %s", reason, reasonList())
		}
		filter = topo.DLQSubject(order.Reason(reason))
	}
	c, err := dial(cfg, "ordertrack dlq", false, m.logger(cfg))
	return c, cfg, filter, err
}

func validReason(r string) bool {
	for _, x := range order.Reasons {
		if string(x) == r {
			return true
		}
	}
	return false
}

func (m *Main) dlqListCommand() *cobra.Command {
	cmd := command("list [--reason R] [--json] [--limit N] [flags]", "list dead letters, oldest first", nil)
	asJSON := cmd.Flags().Bool("json", false, "print one JSON object per dead letter, with the whole body")
	limit := cmd.Flags().Int("limit", 100, "show at most N dead letters, oldest first (0: all)")
	reason, load := m.dlqFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return m.dlqList(cmd.Context(), load, *reason, *asJSON, *limit)
	}
	return cmd
}

func (m *Main) dlqList(ctx context.Context, load configLoader, reason string, asJSON bool, limit int) error {
	c, _, filter, err := m.dlqSource(load, reason)
	if err != nil {
		return err
	}
	defer c.close()
	var letters []deadLetter
	total, err := readLetters(ctx, c.js, filter, 0, func(l deadLetter) error {
		if limit <= 0 || len(letters) < limit {
			letters = append(letters, l)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if asJSON {
		return writeLettersJSON(m.Stdout, letters)
	}
	writeLettersTable(m.Stdout, letters)
	if len(letters) < total {
		fmt.Fprintf(m.Stdout, "showing %d of %d dead letters (--limit %d)\n", len(letters), total, limit)
	} else {
		fmt.Fprintf(m.Stdout, "%d dead letters\n", total)
	}
	return nil
}

func (m *Main) dlqReplayCommand() *cobra.Command {
	cmd := command("replay [--reason R] [--dry-run] [flags]", "republish dead letters to their input subjects", nil)
	dry := cmd.Flags().Bool("dry-run", false, "show what would be replayed; change nothing")
	reason, load := m.dlqFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return m.dlqReplay(cmd.Context(), load, *reason, *dry) }
	return cmd
}

func (m *Main) dlqReplay(ctx context.Context, load configLoader, reason string, dry bool) error {
	c, cfg, filter, err := m.dlqSource(load, reason)
	if err != nil {
		return err
	}
	defer c.close()
	r := replayer{js: c.js, prefix: cfg.Subjects.Prefix, dry: dry, out: m.Stdout, notify: cfg.Notify}
	if r.dlq, err = c.js.Stream(ctx, pipeline.DLQStream); err != nil {
		return fmt.Errorf("stream %s: %w (is the pipeline provisioned?)", pipeline.DLQStream, err)
	}
	info, err := r.dlq.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s: %w", pipeline.DLQStream, err)
	}
	// Only what is there now: a replayed event that fails again comes back
	// as a new dead letter and must not be replayed in a loop.
	_, err = readLetters(ctx, c.js, filter, info.State.LastSeq, func(l deadLetter) error { return r.replay(ctx, l) })
	verb := "replayed"
	if dry {
		verb = "would replay"
	}
	fmt.Fprintf(m.Stdout, "%s %d dead letters, skipped %d\n", verb, r.replayed, r.skipped)
	return err
}

// deadLetter is one message of ORDER_DLQ.
type deadLetter struct {
	Seq           uint64    `json:"seq"`
	Stored        time.Time `json:"stored"`
	Subject       string    `json:"subject"`
	Reason        string    `json:"reason"`
	Error         string    `json:"error"`
	SourceSubject string    `json:"source_subject"`
	SourceSeq     uint64    `json:"source_seq,omitempty"`
	Size          int       `json:"size"`
	Body          string    `json:"body,omitempty"`        // when valid UTF-8
	BodyBase64    []byte    `json:"body_base64,omitempty"` // otherwise
	Webhook       string    `json:"webhook,omitempty"`     // notify_failed only
	data          []byte
	delivery      string // notify_failed: the alert's Nats-Msg-Id
}

func toLetter(m jetstream.Msg) (deadLetter, error) {
	md, err := m.Metadata()
	if err != nil {
		return deadLetter{}, err
	}
	h := m.Headers()
	l := deadLetter{
		Seq: md.Sequence.Stream, Stored: md.Timestamp.UTC(), Subject: m.Subject(),
		Reason: h.Get(pipeline.HeaderReason), Error: h.Get(pipeline.HeaderError),
		SourceSubject: h.Get(pipeline.HeaderSourceSubject), Size: len(m.Data()), data: m.Data(),
	}
	l.SourceSeq, _ = strconv.ParseUint(h.Get(pipeline.HeaderSourceSeq), 10, 64)
	l.Webhook, l.delivery = h.Get(notify.HeaderWebhook), h.Get(notify.HeaderDelivery)
	if utf8.Valid(l.data) {
		l.Body = string(l.data)
	} else {
		l.BodyBase64 = l.data
	}
	return l, nil
}

// readLetters calls fn with each dead letter matching filter, oldest first,
// up to stream sequence upTo (0: all present when called), and returns how
// many it read.
func readLetters(ctx context.Context, js jetstream.JetStream, filter string, upTo uint64, fn func(deadLetter) error) (int, error) {
	c, err := js.OrderedConsumer(ctx, pipeline.DLQStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return 0, fmt.Errorf("read %s: %w (is the pipeline provisioned?)", pipeline.DLQStream, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", pipeline.DLQStream, err)
	}
	n := 0
	for left := int(info.NumPending); left > 0; {
		batch, err := c.Fetch(min(left, 256), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return n, fmt.Errorf("read %s: %w", pipeline.DLQStream, err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			l, err := toLetter(msg)
			if err != nil || (upTo > 0 && l.Seq > upTo) {
				continue
			}
			n++
			if err := fn(l); err != nil {
				return n, err
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return n, fmt.Errorf("read %s: %w", pipeline.DLQStream, err)
		}
		if got == 0 {
			break // removed meanwhile
		}
		left -= got
	}
	return n, nil
}

func writeLettersTable(w io.Writer, letters []deadLetter) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tSTORED\tREASON\tSOURCE SUBJECT\tERROR\tBODY")
	for _, l := range letters {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", l.Seq, l.Stored.Format("2006-01-02T15:04:05.000Z"),
			l.Reason, l.SourceSubject, clipText(l.Error, 48), preview(l.data))
	}
	tw.Flush()
}

func writeLettersJSON(w io.Writer, letters []deadLetter) error {
	enc := json.NewEncoder(w)
	for _, l := range letters {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

// preview shows the first bytes of a body, with control characters and
// invalid UTF-8 escaped so that they cannot disturb the terminal.
func preview(b []byte) string {
	more := ""
	if len(b) > bodyPreview {
		b, more = b[:bodyPreview], fmt.Sprintf("... (%d bytes)", len(b))
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&sb, `\x%02x`, b[0])
		case r == '\\' || !unicode.IsPrint(r):
			q := strconv.QuoteRune(r)
			sb.WriteString(q[1 : len(q)-1])
		default:
			sb.WriteRune(r)
		}
		b = b[n:]
	}
	return sb.String() + more
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// replayer republishes dead letters to their input subjects.
type replayer struct {
	js                jetstream.JetStream
	dlq               jetstream.Stream
	prefix            string
	dry               bool
	out               io.Writer
	replayed, skipped int
	notify            config.Notify // where notify_failed letters are re-sent
}

// target is the subject a dead letter's body goes back to: the producers'
// subject of its order for input events, the same subject for a fired SLA
// check.
func (r *replayer) target(l deadLetter) (string, bool) {
	src := l.SourceSubject
	topo := pipeline.Topology{Prefix: r.prefix}
	if topo.IsFired(src) {
		return src, true
	}
	if !topo.IsEvent(src) {
		return "", false
	}
	id := pipeline.OrderFromSubject(src)
	return topo.EventSubject(id), id != ""
}

// replay publishes one dead letter and, once the publish is stored, deletes
// it. The Nats-Msg-Id makes a replay repeated after a crash between the two
// steps a duplicate the input stream drops (within its duplicate window).
func (r *replayer) replay(ctx context.Context, l deadLetter) error {
	if l.Reason == string(order.ReasonNotifyFailed) {
		return r.resend(ctx, l)
	}
	subject, ok := r.target(l)
	if !ok {
		r.skipped++
		fmt.Fprintf(r.out, "skip %d: source subject %q is not an input subject\n", l.Seq, l.SourceSubject)
		return nil
	}
	if r.dry {
		r.replayed++
		fmt.Fprintf(r.out, "would replay %d (%s) to %s: %s\n", l.Seq, l.Reason, subject, preview(l.data))
		return nil
	}
	msg := nats.NewMsg(subject)
	msg.Data = l.data
	msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("replay:%s:%d", pipeline.DLQStream, l.Seq))
	if _, err := r.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("replay dead letter %d to %s: %w", l.Seq, subject, err)
	}
	if err := r.dlq.DeleteMsg(ctx, l.Seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("dead letter %d replayed to %s but not removed: %w", l.Seq, subject, err)
	}
	r.replayed++
	return nil
}
