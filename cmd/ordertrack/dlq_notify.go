package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/notify"
)

// resend delivers a notify_failed dead letter to its webhook again, once,
// with its original Ordertrack-Delivery, and removes it once the webhook
// answers 2xx. A failure keeps the letter and is reported.
func (r *replayer) resend(ctx context.Context, l deadLetter) error {
	w, ok := r.notify.Webhook(l.Webhook)
	if !ok {
		r.skipped++
		fmt.Fprintf(r.out, "skip %d: webhook %q is not in notify.webhooks\n", l.Seq, l.Webhook)
		return nil
	}
	if r.dry {
		r.replayed++
		fmt.Fprintf(r.out, "would re-send %d to webhook %s: %s\n", l.Seq, w.Name, preview(l.data))
		return nil
	}
	a, err := notify.ParseAlert(l.data)
	if err != nil {
		r.skipped++
		fmt.Fprintf(r.out, "skip %d: %v\n", l.Seq, err)
		return nil
	}
	a.ID, a.Subject, a.Seq = l.delivery, l.SourceSubject, l.SourceSeq
	if a.ID == "" {
		a.ID = fmt.Sprintf("dlq:%d", l.Seq)
	}
	res := notify.Send(ctx, notify.NewClient(), w, a, 1)
	if res.Err != nil {
		r.skipped++
		fmt.Fprintf(r.out, "kept %d: webhook %s: %v\n", l.Seq, w.Name, res.Err)
		return nil
	}
	if err := r.dlq.DeleteMsg(ctx, l.Seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("dead letter %d re-sent to webhook %s but not removed: %w", l.Seq, w.Name, err)
	}
	r.replayed++
	fmt.Fprintf(r.out, "re-sent %d to webhook %s: HTTP %d\n", l.Seq, w.Name, res.Status)
	return nil
}
