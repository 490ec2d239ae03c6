package deadletter

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
func (r *Replayer) resend(ctx context.Context, l Letter) error {
	w, ok := r.Notify.Webhook(l.Webhook)
	if !ok {
		r.Skipped++
		fmt.Fprintf(r.Out, "skip %d: webhook %q is not in notify.webhooks\n", l.Seq, l.Webhook)
		return nil
	}
	if r.Dry {
		r.Replayed++
		fmt.Fprintf(r.Out, "would re-send %d to webhook %s: %s\n", l.Seq, w.Name, Preview(l.Data))
		return nil
	}
	a, err := notify.ParseAlert(l.Data)
	if err != nil {
		r.Skipped++
		fmt.Fprintf(r.Out, "skip %d: %v\n", l.Seq, err)
		return nil
	}
	a.ID, a.Subject, a.Seq = l.Delivery, l.SourceSubject, l.SourceSeq
	if a.ID == "" {
		a.ID = fmt.Sprintf("dlq:%d", l.Seq)
	}
	res := notify.Send(ctx, notify.NewClient(), w, a, 1)
	if res.Err != nil {
		r.Skipped++
		fmt.Fprintf(r.Out, "kept %d: webhook %s: %v\n", l.Seq, w.Name, res.Err)
		return nil
	}
	if err := r.DLQ.DeleteMsg(ctx, l.Seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("dead letter %d re-sent to webhook %s but not removed: %w", l.Seq, w.Name, err)
	}
	r.Replayed++
	fmt.Fprintf(r.Out, "re-sent %d to webhook %s: HTTP %d\n", l.Seq, w.Name, res.Status)
	return nil
}
