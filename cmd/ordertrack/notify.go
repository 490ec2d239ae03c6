package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/notify"
)

// notifyCommand groups the webhook commands.
func (m *Main) notifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notify <test> [flags]",
		Short: "check the webhooks alerts are pushed to (notify.webhooks)",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return usagef(cmd, "needs a subcommand: test") },
	}
	cmd.AddCommand(m.notifyTestCommand())
	return cmd
}

func (m *Main) notifyTestCommand() *cobra.Command {
	cmd := command("test --webhook NAME [flags]", "send one sample alert to a webhook and print its answer", nil)
	name := cmd.Flags().String("webhook", "", "name of the webhook in notify.webhooks (required)")
	load := m.configFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *name == "" {
			return usagef(cmd, "--webhook is required")
		}
		cfg, err := load()
		if err != nil {
			return err
		}
		return m.notifyTest(cmd.Context(), cfg.Notify, *name)
	}
	return cmd
}

// notifyTest sends a sample SLA_BREACH to one webhook, once, and prints
// what was sent (without secrets) and the answer.
func (m *Main) notifyTest(ctx context.Context, n config.Notify, name string) error {
	w, ok := n.Webhook(name)
	if !ok && len(n.Webhooks) == 0 {
		return fmt.Errorf("--webhook %q: notify.webhooks is empty; add the webhook to the configuration file", name)
	}
	if !ok {
		return fmt.Errorf("--webhook %q is not in notify.webhooks (have %s)", name, strings.Join(n.Names(), ", "))
	}
	a := notify.SampleAlert(time.Now())
	fmt.Fprintf(m.Stdout, "POST %s (format %s, %s)\n", notify.Redact(w.URL), w.Format, signedText(w))
	printSentHeaders(m.Stdout, w, a)
	fmt.Fprintf(m.Stdout, "body: %s\n", notify.Body(w, a))
	res := notify.Send(ctx, notify.NewClient(), w, a, 1)
	if res.Status > 0 {
		fmt.Fprintf(m.Stdout, "answer: HTTP %d in %s\n", res.Status, res.Took.Round(time.Millisecond))
		if res.Answer != "" {
			fmt.Fprintf(m.Stdout, "%s\n", strings.TrimRight(res.Answer, "\n"))
		}
	}
	if res.Err != nil {
		kind := "not retried: the alert would be dead-lettered at once"
		if res.Retry {
			kind = fmt.Sprintf("would be retried up to notify.max_attempts (%d)", n.MaxAttempts)
		}
		return fmt.Errorf("webhook %s: %v (%s)", name, res.Err, kind)
	}
	fmt.Fprintf(m.Stdout, "delivered to webhook %s\n", name)
	return nil
}

func signedText(w config.Webhook) string {
	if w.Secret == "" {
		return "unsigned"
	}
	return "signed"
}

// printSentHeaders lists the request headers; extra header values are
// hidden, as they often carry credentials.
func printSentHeaders(out io.Writer, w config.Webhook, a notify.Alert) {
	fmt.Fprintf(out, "%s: %s\n%s: 1\n", notify.HeaderDelivery, a.ID, notify.HeaderAttempt)
	if w.Secret != "" {
		fmt.Fprintf(out, "%s: sha256=<HMAC-SHA256 of the body with the secret>\n", notify.HeaderSignature)
	}
	var names []string
	for k := range w.Headers {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(out, "%s: xxxxx\n", k)
	}
}

// printWebhooks writes status' line of webhook backlogs.
func printWebhooks(w io.Writer, ps []notify.Pending) {
	if len(ps) == 0 {
		return
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s %d pending, %d in flight", p.Webhook, p.Pending, p.InFlight)
	}
	fmt.Fprintf(w, "Webhooks:        %s\n", strings.Join(parts, "; "))
}
