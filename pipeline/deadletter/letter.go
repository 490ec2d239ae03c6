package deadletter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/notify"
)

// PreviewBytes is how many bytes of a body Preview shows.
const PreviewBytes = 60

// Letter is one message of ORDER_DLQ, as dlq list --json prints it.
type Letter struct {
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
	// Source is the ingest source of a record dead-lettered before it
	// reached the pipeline (kafka, http, shopify; Ordertrack-Source), and
	// SourceAt where in it: "<topic>/<partition>@<offset>" or "line <n>".
	// Such a letter has no source subject.
	Source   string `json:"source,omitempty"`
	SourceAt string `json:"source_at,omitempty"`
	// MsgID is the letter's Nats-Msg-Id; an ingest source sets it to the
	// event id it derived (kafka:<topic>:<partition>:<offset>, http:<sha256>, ...).
	MsgID string `json:"-"`
	// Data is the body as stored.
	Data []byte `json:"-"`
	// Delivery is a notify_failed letter's Ordertrack-Delivery (the alert's Nats-Msg-Id).
	Delivery string `json:"-"`
}

// FromMsg reads a dead letter from its message.
func FromMsg(m jetstream.Msg) (Letter, error) {
	md, err := m.Metadata()
	if err != nil {
		return Letter{}, err
	}
	h := m.Headers()
	l := Letter{
		Seq: md.Sequence.Stream, Stored: md.Timestamp.UTC(), Subject: m.Subject(),
		Reason: h.Get(contract.HeaderReason), Error: h.Get(contract.HeaderError),
		SourceSubject: h.Get(contract.HeaderSourceSubject), Size: len(m.Data()), Data: m.Data(),
	}
	l.SourceSeq, _ = strconv.ParseUint(h.Get(contract.HeaderSourceSeq), 10, 64)
	l.Webhook, l.Delivery = h.Get(notify.HeaderWebhook), h.Get(notify.HeaderDelivery)
	l.Source, l.MsgID = h.Get(contract.HeaderSource), h.Get(jetstream.MsgIDHeader)
	switch {
	case h.Get(contract.HeaderKafkaTopic) != "":
		l.SourceAt = h.Get(contract.HeaderKafkaTopic) + "/" + h.Get(contract.HeaderKafkaPartition) + "@" + h.Get(contract.HeaderKafkaOffset)
	case h.Get(contract.HeaderHTTPLine) != "":
		l.SourceAt = "line " + h.Get(contract.HeaderHTTPLine)
	}
	if utf8.Valid(l.Data) {
		l.Body = string(l.Data)
	} else {
		l.BodyBase64 = l.Data
	}
	return l, nil
}

// Read calls fn with each dead letter matching filter, oldest first,
// up to stream sequence upTo (0: all present when called), and returns how
// many it read.
func Read(ctx context.Context, js jetstream.JetStream, filter string, upTo uint64, fn func(Letter) error) (int, error) {
	c, err := js.OrderedConsumer(ctx, contract.DLQStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return 0, fmt.Errorf("read %s: %w (is the pipeline provisioned?)", contract.DLQStream, err)
	}
	defer func() { _ = contract.RemoveConsumer(ctx, js, contract.DLQStream, c) }()
	info, err := c.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", contract.DLQStream, err)
	}
	n := 0
	for left := int(info.NumPending); left > 0; {
		batch, err := c.Fetch(min(left, 256), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return n, fmt.Errorf("read %s: %w", contract.DLQStream, err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			l, err := FromMsg(msg)
			if err != nil || (upTo > 0 && l.Seq > upTo) {
				continue
			}
			n++
			if err := fn(l); err != nil {
				return n, err
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return n, fmt.Errorf("read %s: %w", contract.DLQStream, err)
		}
		if got == 0 {
			break // removed meanwhile
		}
		left -= got
	}
	return n, nil
}

// List returns the first limit dead letters matching filter (0: all),
// oldest first, and how many match.
func List(ctx context.Context, js jetstream.JetStream, filter string, limit int) ([]Letter, int, error) {
	var letters []Letter
	total, err := Read(ctx, js, filter, 0, func(l Letter) error {
		if limit <= 0 || len(letters) < limit {
			letters = append(letters, l)
		}
		return nil
	})
	return letters, total, err
}

// Origin is where the letter came from: its source subject, or its
// ingest source and where in it ("kafka orders/3@1200", "http line 2").
func (l Letter) Origin() string {
	if l.Source == "" {
		return l.SourceSubject
	}
	return strings.TrimSpace(l.Source + " " + l.SourceAt)
}

// Preview shows the first bytes of a body, with control characters and
// invalid UTF-8 escaped so that they cannot disturb the terminal.
func Preview(b []byte) string {
	more := ""
	if len(b) > PreviewBytes {
		b, more = b[:PreviewBytes], fmt.Sprintf("... (%d bytes)", len(b))
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

// Clip cuts s to n bytes, ending in "..." when cut.
func Clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
