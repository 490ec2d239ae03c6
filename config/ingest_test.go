package config

import (
	"reflect"
	"strings"
	"testing"
)

// TestValidateIngest: every bad ingest value fails naming its key; a
// secret's value never appears in the error.
func TestValidateIngest(t *testing.T) {
	kafkaOn := func(c *Config) { c.Ingest.Kafka.Enabled = true }
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // substrings of the error; nil = valid
	}{
		{"defaults with kafka on", kafkaOn, nil},
		{"no brokers when enabled", func(c *Config) { kafkaOn(c); c.Ingest.Kafka.Brokers = nil },
			[]string{`config key "ingest.kafka.brokers": must list at least one broker host:port when ingest.kafka.enabled is true`}},
		{"no brokers when disabled is fine", func(c *Config) { c.Ingest.Kafka.Brokers = nil }, nil},
		{"broker without port", func(c *Config) { c.Ingest.Kafka.Brokers = []string{"k1:9092", "k2"} },
			[]string{`config key "ingest.kafka.brokers": entry 2 must be host:port such as 127.0.0.1:9092 (got "k2")`}},
		{"no topics when enabled", func(c *Config) { kafkaOn(c); c.Ingest.Kafka.Topics = nil },
			[]string{`config key "ingest.kafka.topics": must list at least one topic`}},
		{"bad topic name", func(c *Config) { c.Ingest.Kafka.Topics = []string{"orders", "a b"} },
			[]string{`config key "ingest.kafka.topics": entry 2 must be 1-249 letters`}},
		{"empty group when enabled", func(c *Config) { kafkaOn(c); c.Ingest.Kafka.Group = "" },
			[]string{`config key "ingest.kafka.group": must not be empty`}},
		{"start", func(c *Config) { c.Ingest.Kafka.Start = "oldest" },
			[]string{`config key "ingest.kafka.start": must be one of earliest, latest (got "oldest")`}},
		{"start latest", func(c *Config) { c.Ingest.Kafka.Start = "latest" }, nil},
		{"sasl mechanism unknown", func(c *Config) {
			c.Ingest.Kafka.SASL = SASL{Mechanism: "GSSAPI", User: "u", Password: "hunter2"}
		}, []string{`config key "ingest.kafka.sasl.mechanism": must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (got "GSSAPI")`}},
		{"sasl without user", func(c *Config) { c.Ingest.Kafka.SASL = SASL{Mechanism: "PLAIN", Password: "hunter2"} },
			[]string{`config key "ingest.kafka.sasl.user": must be set when ingest.kafka.sasl.mechanism is "PLAIN"`}},
		{"sasl without password", func(c *Config) { c.Ingest.Kafka.SASL = SASL{Mechanism: "SCRAM-SHA-512", User: "u"} },
			[]string{`config key "ingest.kafka.sasl.password": must be set (or ingest.kafka.sasl.password_file)`}},
		{"sasl user without mechanism", func(c *Config) { c.Ingest.Kafka.SASL = SASL{User: "u", Password: "hunter2"} },
			[]string{`config key "ingest.kafka.sasl.mechanism": must be set`}},
		{"sasl scram-sha-256", func(c *Config) {
			c.Ingest.Kafka.SASL = SASL{Mechanism: "SCRAM-SHA-256", User: "u", Password: "hunter2"}
		}, nil},
		{"kafka tls cert without key", func(c *Config) { c.Ingest.Kafka.TLS.Cert = "c.pem" },
			[]string{`config key "ingest.kafka.tls.key": ingest.kafka.tls.cert and ingest.kafka.tls.key must be set together`}},
		{"mapping path with an empty name", func(c *Config) { c.Ingest.Mapping.OrderID = "order..id" },
			[]string{`config key "ingest.mapping.order_id": must be a dotted path of non-empty names such as "order.id" (got "order..id")`}},
		{"mapping path ending in a dot", func(c *Config) { c.Ingest.Mapping.Timestamp = "at." },
			[]string{`config key "ingest.mapping.timestamp": must be a dotted path`}},
		{"mapping event type value twice", func(c *Config) {
			c.Ingest.Mapping.EventTypes = []EventTypeValue{{"created", "ORDER_PLACED"}, {"created", "ITEM_SHIPPED"}}
		}, []string{`config key "ingest.mapping.event_types[1].value": "created" is listed twice`}},
		{"mapping event type unknown", func(c *Config) {
			c.Ingest.Mapping.EventTypes = []EventTypeValue{{"created", "PLACED"}}
		}, []string{`config key "ingest.mapping.event_types[0].event_type": must be one of ORDER_PLACED, PROCESSING_STARTED, ITEM_SHIPPED, ITEM_DELIVERED, ORDER_CANCELLED (got "PLACED")`}},
		{"mapping event type empty value", func(c *Config) {
			c.Ingest.Mapping.EventTypes = []EventTypeValue{{"", "ORDER_PLACED"}}
		}, []string{`config key "ingest.mapping.event_types[0].value": must not be empty`}},
		{"http listen beyond loopback without token or secret", func(c *Config) { c.Ingest.HTTP.Listen = "0.0.0.0:8080" },
			[]string{`config key "ingest.http.listen": "0.0.0.0:8080" is reachable from other machines`, "set ingest.http.token or ingest.http.secret"}},
		{"http listen beyond loopback with a token", func(c *Config) { c.Ingest.HTTP.Listen, c.Ingest.HTTP.Token = ":8080", "t0k" }, nil},
		{"http listen on loopback without auth", func(c *Config) { c.Ingest.HTTP.Listen = "127.0.0.1:8080" }, nil},
		{"http listen malformed", func(c *Config) { c.Ingest.HTTP.Listen = "8080" },
			[]string{`config key "ingest.http.listen": must be host:port`}},
		{"http secret not whsec_", func(c *Config) { c.Ingest.HTTP.Secret = "hunter2" },
			[]string{`config key "ingest.http.secret": must be a Standard Webhooks secret, whsec_ followed by base64`}},
		{"http secret whsec_ base64", func(c *Config) {
			c.Ingest.HTTP.Listen, c.Ingest.HTTP.Secret = "10.0.0.1:8080", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		}, nil},
		{"max_body zero", func(c *Config) { c.Ingest.HTTP.MaxBody = 0 },
			[]string{`config key "ingest.http.max_body": must be between 1B and 1GiB (got "0B")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil; want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v\nwant it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Validate() shows a secret: %v", err)
			}
		})
	}
}

// TestLoadIngest: the ingest section loads from YAML (lists, a size, the
// event types), from the environment and flags (lists as text), and its
// secrets from their _file keys.
func TestLoadIngest(t *testing.T) {
	pw := secretFile(t, "s3cret\n")
	file := writeFile(t, `ingest:
  mapping:
    order_id: order.id
    event_type: type
    timestamp: occurred_at
    event_types:
      - {value: order.created, event_type: ORDER_PLACED}
      - {value: order.shipped, event_type: ITEM_SHIPPED}
  kafka:
    enabled: true
    brokers: ["k1:9092", "k2:9092"]
    topics: [orders, returns]
    sasl: {mechanism: SCRAM-SHA-256, user: ot, password_file: `+pw+`}
  http:
    max_body: 256KiB
`)
	env := []string{"ORDERTRACK_INGEST__KAFKA__GROUP=ot-prod", "ORDERTRACK_INGEST__HTTP__SHOPIFY__SECRET_FILE=" + pw}
	c, err := Load(file, env, map[string]string{"ingest.kafka.start": "latest", "ingest.http.listen": "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultIngest()
	want.Mapping = Mapping{OrderID: "order.id", EventType: "type", Timestamp: "occurred_at",
		EventTypes: []EventTypeValue{{"order.created", "ORDER_PLACED"}, {"order.shipped", "ITEM_SHIPPED"}}}
	want.Kafka = Kafka{Enabled: true, Brokers: []string{"k1:9092", "k2:9092"}, Topics: []string{"orders", "returns"},
		Group: "ot-prod", Start: "latest", SASL: SASL{Mechanism: "SCRAM-SHA-256", User: "ot", Password: "s3cret", PasswordFile: pw}}
	want.HTTP.Listen, want.HTTP.MaxBody = "127.0.0.1:8080", 256<<10
	want.HTTP.Shopify = Shopify{Secret: "s3cret", SecretFile: pw}
	if !reflect.DeepEqual(c.Ingest, want) {
		t.Errorf("Ingest =\n%+v\nwant\n%+v", c.Ingest, want)
	}
	if !c.Ingest.Mapping.Set() || Default().Ingest.Mapping.Set() {
		t.Error("Mapping.Set: want true for the loaded mapping, false for the default")
	}

	c, err = Load(writeFile(t, ""), nil, map[string]string{"ingest.kafka.brokers": "a:1,b:2", "ingest.http.max_body": "2MB"})
	if err != nil || !reflect.DeepEqual(c.Ingest.Kafka.Brokers, []string{"a:1", "b:2"}) || c.Ingest.HTTP.MaxBody != 2_000_000 {
		t.Errorf("flags: brokers %q, max_body %d, %v", c.Ingest.Kafka.Brokers, c.Ingest.HTTP.MaxBody, err)
	}
	_, err = Load(writeFile(t, "ingest:\n  http:\n    max_body: lots\n"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), `config key "ingest.http.max_body": must be a size such as "1MiB"`) {
		t.Errorf("bad max_body: %v", err)
	}
	_, err = Load(writeFile(t, "ingest:\n  mapping:\n    event_types:\n      - {value: x, type: ORDER_PLACED}\n"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), `config key "ingest.mapping.event_types[0].type": unknown key`) {
		t.Errorf("unknown key in event_types: %v", err)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want Size
		err  bool
	}{
		{"1MiB", 1 << 20, false}, {"512 KiB", 512 << 10, false}, {"2mb", 2_000_000, false},
		{"1GiB", 1 << 30, false}, {"65536", 65536, false}, {"10B", 10, false}, {"3kb", 3000, false},
		{"", 0, true}, {"-1MiB", 0, true}, {"1.5MiB", 0, true}, {"MiB", 0, true}, {"9999999999GiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
	for _, s := range []Size{1 << 20, 1536, 1000, 3 << 30} {
		if back, err := ParseSize(s.String()); err != nil || back != s {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s.String(), back, err, s)
		}
	}
}
