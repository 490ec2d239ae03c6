package config

import (
	"testing"
	"time"
)

// TestHashCoversAgreedTerms: two instances of one deployment differ in
// what is local to each (listen addresses, instance.name, store and
// credential paths, secrets, how it connects, logs and console) and show
// the same hash; a difference in what they must agree on (an SLA, a
// calendar, a webhook's URL, the partitions) changes it.
func TestHashCoversAgreedTerms(t *testing.T) {
	base := func() Config {
		c := Default()
		c.Calendars = map[string]Calendar{"wh": {Timezone: "Europe/Berlin", Hours: map[string]string{"mon": "08:00-18:00"},
			HolidaysFile: "/etc/a/holidays.ics", FileHolidays: []string{"2026-12-24"}}}
		c.Notify.Webhooks = []Webhook{{Name: "ops", URL: "https://hooks.example.com/x", Events: AlertTypes, Format: FormatJSON,
			Secret: "s1", Headers: map[string]string{"Authorization": "Bearer a"}, Timeout: 5 * time.Second}}
		return c
	}
	same := []struct {
		name   string
		change func(*Config)
	}{
		{"instance.name", func(c *Config) { c.Instance.Name = "node-2" }},
		{"monitor.listen", func(c *Config) { c.Monitor.Listen = "10.0.0.2:9090" }},
		{"monitor.auth_token and its file", func(c *Config) { c.Monitor.AuthToken, c.Monitor.AuthTokenFile = "other", "/run/secrets/t" }},
		{"monitor.allow_insecure", func(c *Config) { c.Monitor.AllowInsecure = true }},
		{"nats.embedded.listen and store_dir", func(c *Config) { c.NATS.Embedded.Listen, c.NATS.Embedded.StoreDir = "127.0.0.1:4333", "/var/lib/b" }},
		{"nats.url (another node of the cluster)", func(c *Config) { c.NATS.URL = "nats://n2:4222" }},
		{"nats credentials", func(c *Config) {
			c.NATS.Credentials, c.NATS.User, c.NATS.Password, c.NATS.PasswordFile = "/etc/b.creds", "node2", "pw2", "/run/pw"
			c.NATS.Token, c.NATS.TokenFile = "tok", "/run/tok"
		}},
		{"nats.tls paths", func(c *Config) { c.NATS.TLS = TLS{CA: "/b/ca.pem", Cert: "/b/c.pem", Key: "/b/k.pem"} }},
		{"a holidays file's path, same holidays", func(c *Config) {
			cal := c.Calendars["wh"]
			cal.HolidaysFile = "/etc/b/holidays.ics"
			c.Calendars = map[string]Calendar{"wh": cal}
		}},
		{"a webhook's secret and header values", func(c *Config) {
			c.Notify.Webhooks = []Webhook{c.Notify.Webhooks[0]}
			c.Notify.Webhooks[0].Secret, c.Notify.Webhooks[0].SecretFile = "s2", "/run/s"
			c.Notify.Webhooks[0].Headers = map[string]string{"Authorization": "Bearer b"}
		}},
		{"ingest listen, brokers, SASL, TLS and secrets", func(c *Config) {
			c.Ingest.HTTP.Listen, c.Ingest.HTTP.Token, c.Ingest.HTTP.TokenFile = "10.0.0.2:8080", "t", "/run/t"
			c.Ingest.HTTP.Secret, c.Ingest.HTTP.SecretFile, c.Ingest.HTTP.Shopify.Secret = "whsec_AA==", "/run/s", "shp"
			c.Ingest.Kafka.Brokers = []string{"k2:9092"}
			c.Ingest.Kafka.SASL = SASL{Mechanism: SASLPlain, User: "node2", Password: "pw", PasswordFile: "/run/pw"}
			c.Ingest.Kafka.TLS = KafkaTLS{Enabled: true, CA: "/b/ca.pem"}
		}},
		{"log and console", func(c *Config) {
			c.Log.Level, c.Log.Format, c.Output.Console, c.Output.MaxRows = "debug", "json", false, 5
		}},
	}
	want := Hash(base())
	for _, tt := range same {
		c := base()
		tt.change(&c)
		if got := Hash(c); got != want {
			t.Errorf("%s: hash %s, want %s (local to an instance)", tt.name, got, want)
		}
	}
	differ := []struct {
		name   string
		change func(*Config)
	}{
		{"sla.processing", func(c *Config) { c.SLA.Processing = 12 * time.Hour }},
		{"sla.warn_at", func(c *Config) { c.SLA.WarnAt = []float64{0.5} }},
		{"streaming.partitions", func(c *Config) { c.Streaming.Partitions = 16 }},
		{"subjects.prefix", func(c *Config) { c.Subjects.Prefix = "acme.orders" }},
		{"a holiday", func(c *Config) {
			cal := c.Calendars["wh"]
			cal.FileHolidays = []string{"2026-12-25"}
			c.Calendars = map[string]Calendar{"wh": cal}
		}},
		{"a webhook's URL", func(c *Config) {
			c.Notify.Webhooks = []Webhook{c.Notify.Webhooks[0]}
			c.Notify.Webhooks[0].URL = "https://hooks.example.com/y"
		}},
		{"a webhook's header name", func(c *Config) {
			c.Notify.Webhooks = []Webhook{c.Notify.Webhooks[0]}
			c.Notify.Webhooks[0].Headers = map[string]string{"X-Token": "Bearer a"}
		}},
		{"retention.completed_orders", func(c *Config) { c.Retention.CompletedOrders = time.Hour }},
		{"ingest.kafka.topics", func(c *Config) { c.Ingest.Kafka.Topics = []string{"returns"} }},
		{"ingest.kafka.group", func(c *Config) { c.Ingest.Kafka.Group = "other" }},
		{"ingest.mapping.order_id", func(c *Config) { c.Ingest.Mapping.OrderID = "order.id" }},
		{"ingest.mapping.event_types", func(c *Config) {
			c.Ingest.Mapping.EventTypes = []EventTypeValue{{"created", "ORDER_PLACED"}}
		}},
		{"ingest.http.max_body", func(c *Config) { c.Ingest.HTTP.MaxBody = 1 << 10 }},
	}
	for _, tt := range differ {
		c := base()
		tt.change(&c)
		if Hash(c) == want {
			t.Errorf("%s: same hash %s; instances must agree on it", tt.name, want)
		}
	}
	b := base()
	if Hash(b) != want || len(b.Notify.Webhooks[0].Secret) == 0 || b.Calendars["wh"].HolidaysFile == "" {
		t.Error("Hash changed its argument")
	}
}
