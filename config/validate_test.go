package config

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidateDefaults(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	c := Default()
	c.SLA = DemoSLAs()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() with DemoSLAs = %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"negative SLA", func(c *Config) { c.SLA.Processing = -time.Hour },
			[]string{`config key "sla.processing": must be > 0 (got "-1h")`}},
		{"zero SLA", func(c *Config) { c.SLA.Delivery = 0 },
			[]string{`config key "sla.delivery": must be > 0 (got "0s")`}},
		{"bad clock", func(c *Config) { c.SLA.Clock = "wall" },
			[]string{`config key "sla.clock": must be one of event, processing (got "wall")`}},
		{"ack_wait not above trigger_interval", func(c *Config) { c.Streaming.TriggerInterval = 30 * time.Second },
			[]string{`config key "streaming.ack_wait": must be > streaming.trigger_interval 30s`}},
		{"ack_wait below 1s", func(c *Config) { c.Streaming.AckWait = 500 * time.Millisecond },
			[]string{`config key "streaming.ack_wait": must be >= 1s (got "500ms")`}},
		{"duplicate window too short", func(c *Config) { c.Streaming.AckWait, c.Streaming.MaxDeliver = time.Minute, 20 },
			[]string{`config key "streaming.duplicate_window": must be >= streaming.ack_wait × streaming.max_deliver (1m × 20)`, "redeliveries fall inside the de-duplication window"}},
		{"huge max_deliver does not overflow", func(c *Config) { c.Streaming.MaxDeliver = math.MaxInt },
			[]string{`config key "streaming.duplicate_window"`}},
		{"max_deliver zero", func(c *Config) { c.Streaming.MaxDeliver = 0 },
			[]string{`config key "streaming.max_deliver": must be >= 1 (got 0)`}},
		{"partitions out of range", func(c *Config) { c.Streaming.Partitions = 2000 },
			[]string{`config key "streaming.partitions": must be between 1 and 1024 (got 2000)`}},
		{"max_batch zero", func(c *Config) { c.Streaming.MaxBatch = 0 },
			[]string{`config key "streaming.max_batch": must be between 1 and 10000`}},
		{"pinned_ttl short", func(c *Config) { c.Streaming.PinnedTTL = time.Second },
			[]string{`config key "streaming.pinned_ttl": must be >= 2s (got "1s")`}},
		{"negative trigger interval", func(c *Config) { c.Streaming.TriggerInterval = -time.Second },
			[]string{`config key "streaming.trigger_interval": must be >= 0s`}},
		{"cert without key", func(c *Config) { c.NATS.TLS.Cert = "c.pem" },
			[]string{`config key "nats.tls.key": nats.tls.cert and nats.tls.key must be set together`}},
		{"key without cert", func(c *Config) { c.NATS.TLS.Key = "k.pem" },
			[]string{`nats.tls.cert and nats.tls.key must be set together`}},
		{"user without password", func(c *Config) { c.NATS.User = "bob" },
			[]string{`config key "nats.password": must be set when nats.user is set`}},
		{"password without user", func(c *Config) { c.NATS.Password = "pw" },
			[]string{`config key "nats.user": must be set when nats.password is set`}},
		{"listen without port", func(c *Config) { c.NATS.Embedded.Listen = "localhost" },
			[]string{`config key "nats.embedded.listen": must be host:port`}},
		{"listen with bad port", func(c *Config) { c.NATS.Embedded.Listen = "localhost:99999" },
			[]string{`config key "nats.embedded.listen": port must be a number from 0 to 65535`}},
		{"embedded on every interface without credentials", func(c *Config) { c.NATS.Embedded.Listen = "0.0.0.0:4222" },
			[]string{`config key "nats.embedded.listen": "0.0.0.0:4222" is reachable from other machines and the embedded server would let any client in: set nats.token (or nats.user and nats.password), which every client must then present, or listen on 127.0.0.1`}},
		{"embedded on a LAN address without credentials", func(c *Config) { c.NATS.Embedded.Listen = "10.0.0.5:4222" },
			[]string{`config key "nats.embedded.listen": "10.0.0.5:4222" is reachable from other machines`}},
		{"embedded on [::] with a .creds file only", func(c *Config) { c.NATS.Embedded.Listen, c.NATS.Credentials = "[::]:4222", "x.creds" },
			[]string{`config key "nats.embedded.listen": "[::]:4222" is reachable from other machines`}},
		{"empty store dir when embedded", func(c *Config) { c.NATS.Embedded.StoreDir = "" },
			[]string{`config key "nats.embedded.store_dir": must not be empty`}},
		{"empty URL in list", func(c *Config) { c.NATS.URL = "nats://a:4222,,nats://b:4222" },
			[]string{`config key "nats.url": must be a comma-separated list`}},
		{"replicas", func(c *Config) { c.NATS.Replicas = 7 },
			[]string{`config key "nats.replicas": must be between 1 and 5 (got 7)`}},
		{"prefix wildcard", func(c *Config) { c.Subjects.Prefix = "orders.*" },
			[]string{`config key "subjects.prefix"`, `(got "orders.*")`}},
		{"prefix full wildcard", func(c *Config) { c.Subjects.Prefix = ">" }, []string{`config key "subjects.prefix"`}},
		{"prefix space", func(c *Config) { c.Subjects.Prefix = "my orders" }, []string{`config key "subjects.prefix"`}},
		{"prefix empty token", func(c *Config) { c.Subjects.Prefix = "acme..orders" }, []string{`config key "subjects.prefix"`}},
		{"prefix empty", func(c *Config) { c.Subjects.Prefix = "" }, []string{`config key "subjects.prefix"`}},
		{"retention below 1s", func(c *Config) { c.Retention.CompletedOrders = time.Millisecond },
			[]string{`config key "retention.completed_orders": must be 0 (keep forever) or >= 1s`}},
		{"generator enabled", func(c *Config) { c.Generator.Enabled = "yes" },
			[]string{`config key "generator.enabled": must be one of auto, true, false (got "yes")`}},
		{"generator rate NaN", func(c *Config) { c.Generator.Rate = math.NaN() },
			[]string{`config key "generator.rate": must be a number > 0`}},
		{"generator rate zero", func(c *Config) { c.Generator.Rate = 0 },
			[]string{`config key "generator.rate": must be a number > 0 (got 0)`}},
		{"scenario", func(c *Config) { c.Generator.Scenario = "chaos" },
			[]string{`config key "generator.scenario": must be one of realistic, sample`}},
		{"demo_sla", func(c *Config) { c.Generator.DemoSLA = "maybe" },
			[]string{`config key "generator.demo_sla": must be one of auto, true, false`}},
		{"max_rows", func(c *Config) { c.Output.MaxRows = 0 },
			[]string{`config key "output.max_rows": must be >= 1 (got 0)`}},
		{"monitor listen", func(c *Config) { c.Monitor.Listen = "9090" },
			[]string{`config key "monitor.listen": must be host:port`}},
		{"monitor on every interface without a token", func(c *Config) { c.Monitor.Listen = ":9090" },
			[]string{`config key "monitor.listen": ":9090" is reachable from other machines: set monitor.auth_token, or monitor.allow_insecure=true`}},
		{"monitor on a LAN address without a token", func(c *Config) { c.Monitor.Listen = "10.0.0.5:9090" },
			[]string{`config key "monitor.listen": "10.0.0.5:9090" is reachable from other machines`}},
		{"memory_limit not a size", func(c *Config) { c.Instance.MemoryLimit = "lots" },
			[]string{`config key "instance.memory_limit": must be "auto", "off" or a size such as "1200MiB" (got "lots")`}},
		{"memory_limit too small", func(c *Config) { c.Instance.MemoryLimit = "1MiB" },
			[]string{`config key "instance.memory_limit": must be at least 32MiB (got "1MiB")`}},
		{"monitor max_streams", func(c *Config) { c.Monitor.MaxStreams = 0 },
			[]string{`config key "monitor.max_streams": must be at least 1, got 0`}},
		{"log", func(c *Config) { c.Log.Level, c.Log.Format = "trace", "xml" },
			[]string{`config key "log.level": must be one of debug, info, warn, error (got "trace")`,
				`config key "log.format": must be one of text, json (got "xml")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !errors.Is(err, ErrInvalidValue) {
				t.Errorf("errors.Is(%v, ErrInvalidValue) = false", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateAllowed(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"off monitor", func(c *Config) { c.Monitor.Listen = "" }},
		{"monitor on localhost", func(c *Config) { c.Monitor.Listen = "localhost:9090" }},
		{"monitor on IPv6 loopback", func(c *Config) { c.Monitor.Listen = "[::1]:9090" }},
		{"monitor on every interface with a token", func(c *Config) { c.Monitor.Listen, c.Monitor.AuthToken = ":9090", "s3cret" }},
		{"monitor on every interface, insecure on purpose", func(c *Config) { c.Monitor.Listen, c.Monitor.AllowInsecure = "0.0.0.0:9090", true }},
		{"random port", func(c *Config) { c.NATS.Embedded.Listen = "127.0.0.1:0" }},
		{"embedded on every interface with a token", func(c *Config) { c.NATS.Embedded.Listen, c.NATS.Token = ":4222", "s3cret" }},
		{"embedded on a LAN address with a user", func(c *Config) {
			c.NATS.Embedded.Listen, c.NATS.User, c.NATS.Password = "10.0.0.5:4222", "ops", "s3cret"
		}},
		{"embedded on localhost", func(c *Config) { c.NATS.Embedded.Listen = "localhost:4222" }},
		{"embedded on IPv6 loopback", func(c *Config) { c.NATS.Embedded.Listen = "[::1]:4222" }},
		{"every interface, but an external server", func(c *Config) { c.NATS.URL, c.NATS.Embedded.Listen = "nats://a:4222", "0.0.0.0:4222" }},
		{"cluster URLs, no store dir", func(c *Config) {
			c.NATS.URL, c.NATS.Embedded.StoreDir = "nats://a:4222, nats://b:4222", ""
		}},
		{"user and password", func(c *Config) { c.NATS.User, c.NATS.Password = "u", "p" }},
		{"cert and key", func(c *Config) { c.NATS.TLS.Cert, c.NATS.TLS.Key = "c", "k" }},
		{"multi-token prefix", func(c *Config) { c.Subjects.Prefix = "acme.orders" }},
		{"keep forever", func(c *Config) { c.Retention.CompletedOrders, c.Retention.Updates = 0, 0 }},
		{"exact duplicate window", func(c *Config) { c.Streaming.AckWait, c.Streaming.MaxDeliver = 2*time.Minute, 5 }},
		{"trigger below ack_wait", func(c *Config) { c.Streaming.TriggerInterval = 10 * time.Second }},
	}
	for _, tt := range tests {
		c := Default()
		tt.change(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
	}
}
