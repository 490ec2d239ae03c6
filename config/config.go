package config

import (
	"fmt"
	"os"
	"time"
)

// Config is the whole ordertrack configuration. Build one with Default or
// Load; the zero value is not valid.
type Config struct {
	NATS      NATS      `koanf:"nats"`
	Subjects  Subjects  `koanf:"subjects"`
	Streaming Streaming `koanf:"streaming"`
	SLA       SLA       `koanf:"sla"`
	// Calendars are the business calendars by name (calendars.<name>.*),
	// used by sla.calendar and sla.rules[].calendar; default none.
	Calendars map[string]Calendar `koanf:"calendars"`
	Retention Retention           `koanf:"retention"`
	Generator Generator           `koanf:"generator"`
	Output    Output              `koanf:"output"`
	Notify    Notify              `koanf:"notify"`
	Monitor   Monitor             `koanf:"monitor"`
	Log       Log                 `koanf:"log"`
	Instance  Instance            `koanf:"instance"`
	// Ingest configures the Kafka and HTTP sources (SPEC section 16);
	// default off.
	Ingest Ingest `koanf:"ingest"`
}

// Instance names this running process among the instances sharing the
// partitions (SPEC section 10).
type Instance struct {
	// Name appears in logs, status and the dashboard; default ""
	// (<hostname>-<pid>, see InstanceName). Unique among running instances.
	Name string `koanf:"name"`
	// MemoryLimit is the soft memory limit the process sets itself;
	// default "auto" (7/8 of its container's limit, if any).
	MemoryLimit MemoryLimit `koanf:"memory_limit"`
}

// NATS says which NATS server to use and how to authenticate to it.
type NATS struct {
	// URL of the server; default "" (start the embedded server). Several
	// comma-separated URLs of one cluster are allowed.
	URL string `koanf:"url"`
	// Embedded configures the embedded server used when URL is "".
	Embedded Embedded `koanf:"embedded"`
	// Credentials is the path to a .creds file; default "" (none).
	Credentials string `koanf:"credentials"`
	// User name; default "" (none). Needs Password.
	User string `koanf:"user"`
	// Password of User; default "" (none). A secret.
	Password string `koanf:"password"`
	// PasswordFile is a file holding Password (SecretKeys); default "".
	PasswordFile string `koanf:"password_file"`
	// Token for token authentication; default "" (none). A secret.
	Token string `koanf:"token"`
	// TokenFile is a file holding Token (SecretKeys); default "".
	TokenFile string `koanf:"token_file"`
	// TLS configures TLS to the server; default none.
	TLS TLS `koanf:"tls"`
	// Replicas of every stream and bucket; default 1, range 1..5.
	Replicas int `koanf:"replicas"`
}

// Embedded configures the embedded NATS server.
type Embedded struct {
	// StoreDir is the JetStream store directory; default "./data".
	StoreDir string `koanf:"store_dir"`
	// Listen is the client address as host:port; default "127.0.0.1:4222".
	// Port 0 picks a random free port.
	Listen string `koanf:"listen"`
}

// TLS configures TLS towards the NATS server.
type TLS struct {
	// CA is the path to a CA bundle; default "" (system roots).
	CA string `koanf:"ca"`
	// Cert is the path to a client certificate; default "" (none). Needs Key.
	Cert string `koanf:"cert"`
	// Key is the path to the client key; default "" (none). Needs Cert.
	Key string `koanf:"key"`
	// Insecure skips server certificate verification; default false.
	Insecure bool `koanf:"insecure"`
}

// Subjects configures the subject namespace.
type Subjects struct {
	// Prefix of every subject; default "orders". Dot-separated tokens
	// without wildcards or spaces.
	Prefix string `koanf:"prefix"`
}

// Streaming configures the partitioned micro-batch consumers.
type Streaming struct {
	// Partitions of the input stream; default 8, range 1..1024.
	Partitions int `koanf:"partitions"`
	// TriggerInterval is the micro-batch cadence; default 0 (continuous).
	TriggerInterval time.Duration `koanf:"trigger_interval"`
	// MaxBatch is the most events per batch; default 500, range 1..10000.
	MaxBatch int `koanf:"max_batch"`
	// AckWait is how long a batch may take before redelivery; default 30s,
	// at least 1s and more than TriggerInterval.
	AckWait time.Duration `koanf:"ack_wait"`
	// MaxDeliver is the delivery attempts before dead-lettering; default 5.
	MaxDeliver int `koanf:"max_deliver"`
	// DuplicateWindow is the publish de-duplication window; default 10m,
	// at least AckWait*MaxDeliver.
	DuplicateWindow time.Duration `koanf:"duplicate_window"`
	// PinnedTTL is how long a dead instance keeps its partitions before
	// another takes over; default 5s, at least 2s.
	PinnedTTL time.Duration `koanf:"pinned_ttl"`
}

// SLA configures the deadlines of the order lifecycle.
type SLA struct {
	// Processing is the time from order placed to processing started;
	// default 24h.
	Processing time.Duration `koanf:"processing"`
	// Shipping is the time from processing started to shipped; default
	// 72h (3d).
	Shipping time.Duration `koanf:"shipping"`
	// Delivery is the time from order placed to delivered; default 168h
	// (7d).
	Delivery time.Duration `koanf:"delivery"`
	// Clock is "event" (deadlines from event timestamps, the default) or
	// "processing" (from arrival time).
	Clock string `koanf:"clock"`
	// MaxClockSkew is how far event time may run ahead of the local
	// clock; default 5m.
	MaxClockSkew time.Duration `koanf:"max_clock_skew"`
	// Grace is how long after a deadline the breach waits, so that late
	// events can still prove the stage in time (event clock only);
	// default 0s.
	Grace time.Duration `koanf:"grace"`
	// WarnAt are the fractions of an SLA's time used at which SLA_AT_RISK
	// is emitted, each in (0, 1), e.g. [0.5, 0.75]; default none.
	WarnAt []float64 `koanf:"warn_at"`
	// Calendar names the calendar of the default durations; default ""
	// (round the clock).
	Calendar string `koanf:"calendar"`
	// Rules are the segment rules, first match wins; default none.
	Rules []Rule `koanf:"rules"`
	// Recompute is what a reload does to open orders: "new" (the default:
	// new terms apply to deadlines computed from then on) or "open" (every
	// open order gets its rule chosen again and its deadlines recomputed).
	Recompute string `koanf:"recompute"`
	// Predict configures the learned-risk warnings (SPEC section 17).
	Predict Predict `koanf:"predict"`
}

// Predict is sla.predict: warnings from how orders actually move. The
// model learns from every committed stage whether or not it is enabled.
type Predict struct {
	// Enabled emits SLA_AT_RISK with reason "predicted" when an order's
	// risk of missing an SLA reaches Threshold; default false.
	Enabled bool `koanf:"enabled"`
	// Threshold is P(SLA missed | still pending now) at which an order is
	// warned, in (0, 1); default 0.8.
	Threshold float64 `koanf:"threshold"`
	// MinSamples is how many samples a segment needs before it predicts,
	// at least 1; default 200.
	MinSamples int `koanf:"min_samples"`
	// By are the segment keys, any of sla_rule, tenant_id, item_category,
	// service_level (order.SegmentFields), each once; default ["sla_rule"].
	By []string `koanf:"by"`
}

// Rule is one entry of sla.rules: SLA terms for the orders it matches. A
// duration left 0, a calendar left "" or a warn_at left out falls back to
// the defaults of sla.*.
type Rule struct {
	// Name identifies the rule (state sla_rule, output rule); required,
	// unique, not "default".
	Name string `koanf:"name"`
	// Match lists the order fields the rule matches; at least one.
	Match Match `koanf:"match"`
	// Processing, Shipping and Delivery override sla.*; 0 = the default.
	Processing time.Duration `koanf:"processing"`
	Shipping   time.Duration `koanf:"shipping"`
	Delivery   time.Duration `koanf:"delivery"`
	// Calendar names a calendar of calendars.*; "" = sla.calendar.
	Calendar string `koanf:"calendar"`
	// WarnAt overrides sla.warn_at; absent = sla.warn_at, [] = none.
	WarnAt []float64 `koanf:"warn_at"`
}

// Match is what a rule matches on; a field left "" matches any order.
type Match struct {
	TenantID     string `koanf:"tenant_id"`
	ItemCategory string `koanf:"item_category"`
	ServiceLevel string `koanf:"service_level"`
}

// Calendar is a business calendar (calendars.<name>).
type Calendar struct {
	// Timezone is an IANA zone name such as "Europe/Berlin"; default "UTC".
	Timezone string `koanf:"timezone"`
	// Hours are the open hours per weekday (mon..sun) such as
	// "08:00-18:00", several comma-separated; a day not listed is closed.
	Hours map[string]string `koanf:"hours"`
	// Holidays are dates (YYYY-MM-DD) closed all day; default none.
	Holidays []string `koanf:"holidays"`
	// HolidaysFile is an iCalendar (.ics) file whose all-day events are
	// holidays; default "" (none).
	HolidaysFile string `koanf:"holidays_file"`
	// FileHolidays are the dates read from HolidaysFile by Load (not a
	// configuration key).
	FileHolidays []string `koanf:"-"`
}

// Retention configures how long state and output are kept.
type Retention struct {
	// CompletedOrders is how long finished orders stay in the state
	// bucket; default 720h (30d), 0 keeps them forever.
	CompletedOrders time.Duration `koanf:"completed_orders"`
	// Updates is how long output messages are kept; default 168h (7d),
	// 0 keeps them forever.
	Updates time.Duration `koanf:"updates"`
}

// Generator configures the built-in event generator.
type Generator struct {
	// Enabled is "auto" (the default: on with the embedded server), "true"
	// or "false"; see Config.GeneratorOn.
	Enabled string `koanf:"enabled"`
	// Rate is events per second; default 20.
	Rate float64 `koanf:"rate"`
	// Scenario is "realistic" (the default) or "sample".
	Scenario string `koanf:"scenario"`
	// DemoSLA is "auto" (the default), "true" or "false"; see Config.DemoSLA.
	DemoSLA string `koanf:"demo_sla"`
	// Seed of the random generator; default 0 (random).
	Seed int64 `koanf:"seed"`
}

// Output configures the console output.
type Output struct {
	// Console prints updates and alerts to standard output; default true.
	Console bool `koanf:"console"`
	// MaxRows is the rows printed per batch before summarising; default 20.
	MaxRows int `koanf:"max_rows"`
}

// Monitor configures the HTTP monitoring endpoint.
type Monitor struct {
	// Listen is the host:port to serve on; default "127.0.0.1:9090",
	// "" turns it off.
	Listen string `koanf:"listen"`
	// AuthToken, when set, is the bearer token every path but /healthz and
	// /readyz needs (Authorization: Bearer <token>); default "" (none). It
	// is a secret: never logged or printed.
	AuthToken string `koanf:"auth_token"`
	// AuthTokenFile is a file holding AuthToken (SecretKeys); default "".
	AuthTokenFile string `koanf:"auth_token_file"`
	// AllowInsecure lets the monitor listen on a non-loopback address
	// without AuthToken; default false (such a listen address fails at
	// start).
	AllowInsecure bool `koanf:"allow_insecure"`
	// MaxStreams is the most /api/events clients served at once (503
	// beyond); default 100, at least 1.
	MaxStreams int `koanf:"max_streams"`
	// TenantLabelLimit bounds the tenant label values of
	// ordertrack_sla_outcomes_total; later tenants count as "other";
	// default 100, at least 1.
	TenantLabelLimit int `koanf:"tenant_label_limit"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info (the default), warn or error.
	Level string `koanf:"level"`
	// Format is text (the default) or json.
	Format string `koanf:"format"`
}

// Default returns the built-in defaults. Every call builds a fresh value.
func Default() Config {
	return Config{
		NATS: NATS{
			Embedded: Embedded{StoreDir: "./data", Listen: "127.0.0.1:4222"},
			Replicas: 1,
		},
		Subjects: Subjects{Prefix: "orders"},
		Streaming: Streaming{
			Partitions:      8,
			MaxBatch:        500,
			AckWait:         30 * time.Second,
			MaxDeliver:      5,
			DuplicateWindow: 10 * time.Minute,
			PinnedTTL:       5 * time.Second,
		},
		SLA: SLA{
			Processing:   24 * time.Hour,
			Shipping:     72 * time.Hour,
			Delivery:     168 * time.Hour,
			Clock:        ClockEvent,
			MaxClockSkew: 5 * time.Minute,
			Recompute:    RecomputeNew,
			Predict:      Predict{Threshold: 0.8, MinSamples: 200, By: []string{"sla_rule"}},
		},
		Retention: Retention{CompletedOrders: 720 * time.Hour, Updates: 168 * time.Hour},
		Generator: Generator{Enabled: "auto", Rate: 20, Scenario: "realistic", DemoSLA: "auto"},
		Output:    Output{Console: true, MaxRows: 20},
		Notify:    DefaultNotify(),
		Monitor:   Monitor{Listen: "127.0.0.1:9090", TenantLabelLimit: 100, MaxStreams: 100},
		Log:       Log{Level: "info", Format: "text"},
		Ingest:    DefaultIngest(),
		Instance:  Instance{MemoryLimit: MemoryAuto},
	}
}

// Values of SLA.Recompute.
const (
	RecomputeNew  = "new"
	RecomputeOpen = "open"
)

// Values of SLA.Clock.
const (
	// ClockEvent computes deadlines from the events' own timestamps.
	ClockEvent = "event"
	// ClockProcessing computes deadlines from the time events arrive.
	ClockProcessing = "processing"
)

// Embedded reports whether the embedded server is used (NATS.URL == "").
func (c Config) Embedded() bool { return c.NATS.URL == "" }

// GeneratorOn resolves generator.enabled: "true" is on, "false" is off and
// "auto" follows Embedded.
func (c Config) GeneratorOn() bool {
	return resolve(c.Generator.Enabled, c.Embedded)
}

// DemoSLA resolves generator.demo_sla: "true" or "false", or for "auto"
// whether the generator runs against the embedded server. When true the run
// command replaces the SLAs by DemoSLAs so breaches show within a minute.
func (c Config) DemoSLA() bool {
	return resolve(c.Generator.DemoSLA, func() bool { return c.GeneratorOn() && c.Embedded() })
}

// DemoSLAs returns the short demo SLAs: processing 10s, shipping 10s,
// delivery 30s, with the event clock, the default clock skew and the
// default sla.predict.
func DemoSLAs() SLA {
	return SLA{
		Processing:   10 * time.Second,
		Shipping:     10 * time.Second,
		Delivery:     30 * time.Second,
		Clock:        ClockEvent,
		MaxClockSkew: Default().SLA.MaxClockSkew,
		Recompute:    RecomputeNew,
		Predict:      Default().SLA.Predict,
	}
}

// resolve turns a "true"/"false"/"auto" switch into a bool.
func resolve(v string, auto func() bool) bool {
	switch v {
	case "true":
		return true
	case "false":
		return false
	default:
		return auto()
	}
}

// InstanceName resolves instance.name: the configured name, else
// <hostname>-<pid>.
func (c Config) InstanceName() string {
	if c.Instance.Name != "" {
		return c.Instance.Name
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "ordertrack"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}
