package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNotifyWebhooksLoad(t *testing.T) {
	path := writeFile(t, `
notify:
  max_attempts: 3
  backoff: 50ms
  webhooks:
    - name: ops
      url: https://hooks.example.com/x
      match: {tenant_id: acme}
      secret: s3cr3t
      headers: {Authorization: "Bearer tok"}
    - name: slack
      url: http://127.0.0.1:9/slack
      format: slack
      events: [SLA_BREACH]
      timeout: 2 seconds
`)
	c, err := Load(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Notify{MaxAttempts: 3, Backoff: 50 * time.Millisecond, Webhooks: []Webhook{
		{Name: "ops", URL: "https://hooks.example.com/x", Events: AlertTypes, Match: map[string]string{"tenant_id": "acme"},
			Format: FormatJSON, Secret: "s3cr3t", Headers: map[string]string{"Authorization": "Bearer tok"}, Timeout: 5 * time.Second},
		{Name: "slack", URL: "http://127.0.0.1:9/slack", Events: []string{"SLA_BREACH"}, Format: FormatSlack, Timeout: 2 * time.Second},
	}}
	if !reflect.DeepEqual(c.Notify, want) {
		t.Errorf("notify =\n%+v\nwant\n%+v", c.Notify, want)
	}
	if w, ok := c.Notify.Webhook("slack"); !ok || w.Format != FormatSlack {
		t.Errorf("Webhook(slack) = %+v, %v", w, ok)
	}
}

func TestNotifyWebhooksErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // substring of the error
		unknown    bool   // errors.Is ErrUnknownKey
	}{
		{"unknown key in a webhook", "- {name: a, url: http://h/x, formt: json}", `config key "notify.webhooks[0].formt": unknown key; did you mean format?`, true},
		{"unknown key in the second", "- {name: a, url: http://h/x}\n    - {name: b, url: http://h/x, secrt: x}", `"notify.webhooks[1].secrt": unknown key; did you mean secret?`, true},
		{"not a list", "ops", `config key "notify.webhooks": must be a list`, false},
		{"bad duration", "- {name: a, url: http://h/x, timeout: soon}", `config key "notify.webhooks[0].timeout"`, false},
		{"bad format", "- {name: a, url: http://h/x, format: xml}", `config key "notify.webhooks[0].format": must be one of json, slack (got "xml")`, false},
		{"missing url", "- {name: a}", `config key "notify.webhooks[0].url": must be an absolute http:// or https:// URL`, false},
		{"bad name", "- {name: 'a b', url: http://h/x}", `config key "notify.webhooks[0].name"`, false},
		{"duplicate name", "- {name: a, url: http://h/x}\n    - {name: a, url: http://h/y}", `"notify.webhooks[1].name": must be unique`, false},
		{"bad event", "- {name: a, url: http://h/x, events: [ORDER_CONFIRMED]}", `config key "notify.webhooks[0].events": must be one of SLA_BREACH`, false},
		{"bad match field", "- {name: a, url: http://h/x, match: {customer: x}}", `config key "notify.webhooks[0].match": must be one of tenant_id, item_category, service_level`, false},
		{"headers not a map", "- {name: a, url: http://h/x, headers: [x]}", `config key "notify.webhooks[0].headers": must be a map`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "notify:\n  webhooks:\n    "+tt.yaml+"\n")
			_, err := Load(path, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %s", err, tt.want)
			}
			if errors.Is(err, ErrUnknownKey) != tt.unknown {
				t.Errorf("errors.Is(err, ErrUnknownKey) = %v, want %v", !tt.unknown, tt.unknown)
			}
		})
	}
}

func TestNotifyErrorsHideSecrets(t *testing.T) {
	path := writeFile(t, `
notify:
  webhooks:
    - {name: a, url: "ftp://user:pw-123@h/x?token=tok-456", secret: sec-789, headers: {X-Key: hdr-000}, format: xml}
`)
	_, err := Load(path, nil, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, s := range []string{"pw-123", "tok-456", "sec-789", "hdr-000"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows secret %q: %v", s, err)
		}
	}
}
