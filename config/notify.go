package config

import (
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Notify configures the webhooks alerts are pushed to (SPEC section 13).
// Every key is live: a reload adds, removes and changes webhooks.
type Notify struct {
	// Webhooks receive alerts; default none.
	Webhooks []Webhook `koanf:"webhooks"`
	// MaxAttempts is how often one alert is sent to a webhook before it is
	// dead-lettered; default 8, range 1..100.
	MaxAttempts int `koanf:"max_attempts"`
	// Backoff is the wait before the first retry, doubling up to 5m;
	// default 1s.
	Backoff time.Duration `koanf:"backoff"`
}

// Webhook is one receiver of alerts.
type Webhook struct {
	// Name identifies the webhook in metrics, logs and dead letters and
	// names its consumer ordertrack-notify-<name>; required, letters,
	// digits, "-" and "_", unique.
	Name string `koanf:"name"`
	// URL receives a POST per alert; required, http or https.
	URL string `koanf:"url"`
	// Events are the alert types sent; default SLA_BREACH, SLA_AT_RISK,
	// SLA_BREACH_RETRACTED.
	Events []string `koanf:"events"`
	// Match keeps only alerts of orders whose fields equal these (keys
	// tenant_id, item_category, service_level); default: every order.
	Match map[string]string `koanf:"match"`
	// Format is "json" (the output JSON, the default) or "slack"
	// ({"text": message}).
	Format string `koanf:"format"`
	// Secret signs each body with HMAC-SHA256 in Ordertrack-Signature;
	// default "" (unsigned). Never logged or shown.
	Secret string `koanf:"secret"`
	// SecretFile is a file holding Secret (SecretKeys); default "".
	SecretFile string `koanf:"secret_file"`
	// Headers are extra request headers, e.g. Authorization; default none.
	// Their values are never logged or shown.
	Headers map[string]string `koanf:"headers"`
	// Timeout bounds one request; default 5s.
	Timeout time.Duration `koanf:"timeout"`
}

// Webhook formats.
const (
	FormatJSON  = "json"
	FormatSlack = "slack"
)

// AlertTypes are the output event types a webhook may receive.
var AlertTypes = []string{"SLA_BREACH", "SLA_AT_RISK", "SLA_BREACH_RETRACTED"}

// MatchFields are the order fields a webhook's match may name.
var MatchFields = []string{"tenant_id", "item_category", "service_level"}

// DefaultNotify returns the defaults of notify: no webhooks, 8 attempts, 1s.
func DefaultNotify() Notify { return Notify{MaxAttempts: 8, Backoff: time.Second} }

// DefaultWebhook returns a webhook's defaults: every alert type, json, 5s.
func DefaultWebhook() Webhook {
	return Webhook{Events: slices.Clone(AlertTypes), Format: FormatJSON, Timeout: 5 * time.Second}
}

func init() {
	elementDefaults[reflect.TypeFor[Webhook]()] = func() any { return DefaultWebhook() }
}

// Webhook returns the webhook called name.
func (n Notify) Webhook(name string) (Webhook, bool) {
	i := slices.IndexFunc(n.Webhooks, func(w Webhook) bool { return w.Name == name })
	if i < 0 {
		return Webhook{}, false
	}
	return n.Webhooks[i], true
}

// Names lists the webhooks' names in their order.
func (n Notify) Names() []string {
	out := make([]string, len(n.Webhooks))
	for i, w := range n.Webhooks {
		out[i] = w.Name
	}
	return out
}

// webhookName is what a webhook name may contain: it is part of a
// consumer name.
var webhookName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (c Config) validateNotify(p *problems) {
	n := c.Notify
	p.intRange("notify.max_attempts", n.MaxAttempts, 1, 100)
	p.positive("notify.backoff", n.Backoff)
	seen := map[string]bool{}
	for i, w := range n.Webhooks {
		key := "notify.webhooks[" + strconv.Itoa(i) + "]."
		switch {
		case !webhookName.MatchString(w.Name):
			p.add(key+"name", "must be 1-64 letters, digits, - or _ (got %q)", w.Name)
		case seen[w.Name]:
			p.add(key+"name", "must be unique; %q is used twice", w.Name)
		}
		seen[w.Name] = true
		validateWebhookURL(p, key+"url", w.URL)
		if len(w.Events) == 0 {
			p.add(key+"events", "must list at least one of %s", strings.Join(AlertTypes, ", "))
		}
		for _, e := range w.Events {
			p.oneOf(key+"events", e, AlertTypes...)
		}
		for f := range w.Match {
			p.oneOf(key+"match", f, MatchFields...)
		}
		p.oneOf(key+"format", w.Format, FormatJSON, FormatSlack)
		p.positive(key+"timeout", w.Timeout)
		for h := range w.Headers {
			if h == "" || strings.ContainsAny(h, " \t\r\n:") {
				p.add(key+"headers", "header names must be tokens without spaces or ':' (got %q)", h)
			}
		}
	}
}

// validateWebhookURL checks an absolute http(s) URL. The error does not
// show the URL: webhook URLs often carry a token (Slack's do).
func validateWebhookURL(p *problems, key, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.add(key, "must be an absolute http:// or https:// URL")
	}
}
