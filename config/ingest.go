package config

import (
	"encoding/base64"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Ingest configures the sources that take events in from where shops keep
// them (SPEC section 16): Kafka and HTTP, with one optional mapping from
// the source's JSON to section 3's.
type Ingest struct {
	// Mapping names the fields of a source's own JSON; default none
	// (section 3's names). Applies to Kafka and /v1/events.
	Mapping Mapping `koanf:"mapping"`
	// Kafka is the Kafka source; default off.
	Kafka Kafka `koanf:"kafka"`
	// HTTP is the HTTP source (/v1/events and the Shopify webhook);
	// default off.
	HTTP HTTPIngest `koanf:"http"`
}

// Mapping turns a source's JSON into section 3's event. Each path is
// dotted into the source's JSON ("order.id"); a path left "" is the
// field's own section 3 name (order_id, ...). With no path and no
// event_types set (Set false) the source's JSON is taken as it is.
type Mapping struct {
	// OrderID is the path of order_id; default "" (order_id).
	OrderID string `koanf:"order_id"`
	// EventType is the path of event_type; default "" (event_type).
	EventType string `koanf:"event_type"`
	// Timestamp is the path of timestamp, RFC 3339 or Unix time as a
	// number (below 10^11 seconds, else milliseconds); default ""
	// (timestamp).
	Timestamp string `koanf:"timestamp"`
	// EventID is the path of event_id; default "" (event_id).
	EventID string `koanf:"event_id"`
	// CustomerID is the path of customer_id; default "" (customer_id).
	CustomerID string `koanf:"customer_id"`
	// TenantID is the path of tenant_id; default "" (tenant_id).
	TenantID string `koanf:"tenant_id"`
	// ServiceLevel is the path of service_level; default ""
	// (service_level).
	ServiceLevel string `koanf:"service_level"`
	// ItemName is the path of item_name; default "" (item_name).
	ItemName string `koanf:"item_name"`
	// ItemCategory is the path of item_category; default ""
	// (item_category).
	ItemCategory string `koanf:"item_category"`
	// Quantity is the path of quantity; default "" (quantity).
	Quantity string `koanf:"quantity"`
	// Price is the path of price; default "" (price).
	Price string `koanf:"price"`
	// EventTypes maps the source's type values onto the five event types;
	// default none (the value must be an event type itself). When set, a
	// value not listed is dead-lettered unknown_event_type.
	EventTypes []EventTypeValue `koanf:"event_types"`
}

// EventTypeValue is one entry of ingest.mapping.event_types.
type EventTypeValue struct {
	// Value is the source's type value, e.g. "order.created"; required,
	// unique.
	Value string `koanf:"value"`
	// EventType is the event type it means, e.g. ORDER_PLACED; required.
	EventType string `koanf:"event_type"`
}

// MappingPath is one field of a mapping: section 3's name and the path
// configured for it ("" when none).
type MappingPath struct {
	Field string
	Path  string
}

// Paths lists the mapping's fields in section 3's order with the path set
// for each ("" = the field's own name).
func (m Mapping) Paths() []MappingPath {
	return []MappingPath{
		{"event_id", m.EventID}, {"order_id", m.OrderID}, {"customer_id", m.CustomerID},
		{"event_type", m.EventType}, {"item_name", m.ItemName}, {"item_category", m.ItemCategory},
		{"quantity", m.Quantity}, {"price", m.Price}, {"timestamp", m.Timestamp},
		{"tenant_id", m.TenantID}, {"service_level", m.ServiceLevel},
	}
}

// Set reports whether any path or event type value is configured; without
// one a source stores its JSON unchanged.
func (m Mapping) Set() bool {
	return len(m.EventTypes) > 0 || slices.ContainsFunc(m.Paths(), func(p MappingPath) bool { return p.Path != "" })
}

// Kafka configures the Kafka source (SPEC section 16, "Kafka").
type Kafka struct {
	// Enabled makes every run instance a member of Group; default false.
	Enabled bool `koanf:"enabled"`
	// Brokers are the seed brokers as host:port; default
	// ["127.0.0.1:9092"].
	Brokers []string `koanf:"brokers"`
	// Topics are read; default ["orders"].
	Topics []string `koanf:"topics"`
	// Group is the consumer group shared by all instances; default
	// "ordertrack".
	Group string `koanf:"group"`
	// Start is where a new group starts: "earliest" (the default) or
	// "latest".
	Start string `koanf:"start"`
	// SASL authenticates to the brokers; default none.
	SASL SASL `koanf:"sasl"`
	// TLS encrypts the connections to the brokers; default off.
	TLS KafkaTLS `koanf:"tls"`
}

// Values of Kafka.Start.
const (
	KafkaStartEarliest = "earliest"
	KafkaStartLatest   = "latest"
)

// SASL mechanisms of Kafka.SASL.Mechanism.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// SASL is Kafka's SASL authentication.
type SASL struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; default ""
	// (none). Needs User and Password.
	Mechanism string `koanf:"mechanism"`
	// User name; default "".
	User string `koanf:"user"`
	// Password of User; default "". A secret.
	Password string `koanf:"password"`
	// PasswordFile is a file holding Password (SecretKeys); default "".
	PasswordFile string `koanf:"password_file"`
}

// KafkaTLS configures TLS towards the Kafka brokers.
type KafkaTLS struct {
	// Enabled turns TLS on; default false.
	Enabled bool `koanf:"enabled"`
	// CA is the path to a CA bundle; default "" (system roots).
	CA string `koanf:"ca"`
	// Cert is the path to a client certificate; default "". Needs Key.
	Cert string `koanf:"cert"`
	// Key is the path to the client key; default "". Needs Cert.
	Key string `koanf:"key"`
	// Insecure skips broker certificate verification; default false.
	Insecure bool `koanf:"insecure"`
}

// HTTPIngest configures the HTTP source (SPEC section 16, "HTTP" and
// "Shopify").
type HTTPIngest struct {
	// Listen is the host:port of POST /v1/events; default "" (off). An
	// address other than loopback needs Token or Secret.
	Listen string `koanf:"listen"`
	// Token is the bearer token of /v1/events; default "" (none). A secret.
	Token string `koanf:"token"`
	// TokenFile is a file holding Token (SecretKeys); default "".
	TokenFile string `koanf:"token_file"`
	// Secret is the Standard Webhooks signing secret (whsec_<base64>);
	// default "" (none). A secret.
	Secret string `koanf:"secret"`
	// SecretFile is a file holding Secret (SecretKeys); default "".
	SecretFile string `koanf:"secret_file"`
	// MaxBody is the largest request body (413 beyond); default 1MiB.
	MaxBody Size `koanf:"max_body"`
	// Shopify is the Shopify webhook endpoint; default off.
	Shopify Shopify `koanf:"shopify"`
}

// Shopify configures POST /v1/webhooks/shopify.
type Shopify struct {
	// Secret is the app's webhook signing secret; default "" (endpoint
	// off). A secret.
	Secret string `koanf:"secret"`
	// SecretFile is a file holding Secret (SecretKeys); default "".
	SecretFile string `koanf:"secret_file"`
}

// WebhookSecretPrefix starts a Standard Webhooks signing secret.
const WebhookSecretPrefix = "whsec_"

// MaxIngestBody bounds ingest.http.max_body.
const MaxIngestBody = 1 << 30

// DefaultIngest returns the defaults of ingest: no mapping, Kafka off on
// 127.0.0.1:9092 topic orders group ordertrack from the earliest offset,
// HTTP off with bodies up to 1MiB.
func DefaultIngest() Ingest {
	return Ingest{
		Kafka: Kafka{
			Brokers: []string{"127.0.0.1:9092"},
			Topics:  []string{"orders"},
			Group:   "ordertrack",
			Start:   KafkaStartEarliest,
		},
		HTTP: HTTPIngest{MaxBody: 1 << 20},
	}
}

func (c Config) validateIngest(p *problems) {
	c.Ingest.Mapping.validate(p)
	c.Ingest.Kafka.validate(p)
	c.Ingest.HTTP.validate(p)
}

func (m Mapping) validate(p *problems) {
	for _, f := range m.Paths() {
		if f.Path != "" && !validPath(f.Path) {
			p.add("ingest.mapping."+f.Field, `must be a dotted path of non-empty names such as "order.id" (got %q)`, f.Path)
		}
	}
	seen := map[string]bool{}
	for i, v := range m.EventTypes {
		key := "ingest.mapping.event_types[" + strconv.Itoa(i) + "]"
		if v.Value == "" {
			p.add(key+".value", "must not be empty")
		} else if seen[v.Value] {
			p.add(key+".value", "%q is listed twice; each source value maps to one event type", v.Value)
		}
		seen[v.Value] = true
		if _, ok := order.EventType(v.EventType).Stage(); !ok {
			p.add(key+".event_type", "must be one of ORDER_PLACED, PROCESSING_STARTED, ITEM_SHIPPED, ITEM_DELIVERED, ORDER_CANCELLED (got %q)", v.EventType)
		}
	}
}

// validPath reports whether path is dot-separated non-empty names.
func validPath(path string) bool {
	for tok := range strings.SplitSeq(path, ".") {
		if strings.TrimSpace(tok) == "" {
			return false
		}
	}
	return true
}

func (k Kafka) validate(p *problems) {
	p.oneOf("ingest.kafka.start", k.Start, KafkaStartEarliest, KafkaStartLatest)
	if k.Enabled {
		if len(k.Brokers) == 0 {
			p.add("ingest.kafka.brokers", "must list at least one broker host:port when ingest.kafka.enabled is true")
		}
		if len(k.Topics) == 0 {
			p.add("ingest.kafka.topics", "must list at least one topic when ingest.kafka.enabled is true")
		}
		if k.Group == "" {
			p.add("ingest.kafka.group", "must not be empty when ingest.kafka.enabled is true")
		}
	}
	for i, b := range k.Brokers {
		if host, port, err := net.SplitHostPort(b); err != nil || host == "" || port == "" {
			p.add("ingest.kafka.brokers", "entry %d must be host:port such as 127.0.0.1:9092 (got %q)", i+1, b)
		}
	}
	for i, t := range k.Topics {
		if !validTopic(t) {
			p.add("ingest.kafka.topics", "entry %d must be 1-249 letters, digits, '.', '_' or '-' (got %q)", i+1, t)
		}
	}
	k.SASL.validate(p)
	if (k.TLS.Cert == "") != (k.TLS.Key == "") {
		p.add("ingest.kafka.tls.key", "ingest.kafka.tls.cert and ingest.kafka.tls.key must be set together (got cert %q, key %q)", k.TLS.Cert, k.TLS.Key)
	}
}

func (s SASL) validate(p *problems) {
	if s.Mechanism == "" {
		if s.User != "" || s.Password != "" {
			p.add("ingest.kafka.sasl.mechanism", "must be set (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512) when ingest.kafka.sasl.user or password is set")
		}
		return
	}
	p.oneOf("ingest.kafka.sasl.mechanism", s.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512)
	if s.User == "" {
		p.add("ingest.kafka.sasl.user", "must be set when ingest.kafka.sasl.mechanism is %q", s.Mechanism)
	}
	if s.Password == "" {
		p.add("ingest.kafka.sasl.password", "must be set (or ingest.kafka.sasl.password_file) when ingest.kafka.sasl.mechanism is %q", s.Mechanism)
	}
}

// validTopic reports whether t is a legal Kafka topic name.
func validTopic(t string) bool {
	if t == "" || len(t) > 249 || t == "." || t == ".." {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func (h HTTPIngest) validate(p *problems) {
	if h.Listen != "" {
		p.hostPort("ingest.http.listen", h.Listen)
		if err := h.CheckListen(); err != nil {
			*p = append(*p, err)
		}
	}
	if h.Secret != "" {
		key, ok := strings.CutPrefix(h.Secret, WebhookSecretPrefix)
		if _, err := base64.StdEncoding.DecodeString(key); !ok || key == "" || err != nil {
			// The value is a secret: say what is wrong, not what it is.
			p.add("ingest.http.secret", "must be a Standard Webhooks secret, whsec_ followed by base64")
		}
	}
	if h.MaxBody < 1 || h.MaxBody > MaxIngestBody {
		p.add("ingest.http.max_body", "must be between 1B and 1GiB (got %q)", h.MaxBody.String())
	}
}

// CheckListen fails, naming ingest.http.listen, when /v1/events would be
// reachable from other machines with nothing to authenticate its callers:
// loopback may go without, any other address needs ingest.http.token or
// ingest.http.secret (SPEC section 16, "HTTP"). A malformed address is
// left to the host:port check.
func (h HTTPIngest) CheckListen() error {
	if h.Listen == "" || loopback(h.Listen) || h.Token != "" || h.Secret != "" {
		return nil
	}
	if _, _, err := net.SplitHostPort(h.Listen); err != nil {
		return nil
	}
	return invalid("ingest.http.listen", "%q is reachable from other machines and /v1/events would take events from anyone: "+
		"set ingest.http.token or ingest.http.secret, or listen on 127.0.0.1", h.Listen)
}
