package config

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Key describes one configuration key.
type Key struct {
	// Name is the dotted key, e.g. "sla.processing".
	Name string
	// Default is the built-in default as a user would write it, e.g. "24h".
	Default string
	// Help is a one-line description.
	Help string
}

// Keys lists every configuration key with its default and help text,
// sorted by name. The command line registers one flag per key from it.
//
// Keys under a named entry, such as calendars.<name>.timezone, are not
// listed: they have no default and no flag (see PatternKeys).
func Keys() []Key {
	def := reflect.ValueOf(Default())
	help := keyHelp()
	var out []Key
	for _, f := range fields() {
		if f.pattern || f.container {
			continue
		}
		out = append(out, Key{Name: f.name, Default: render(def.FieldByIndex(f.index)), Help: help[f.name]})
	}
	return out
}

// PatternKeys lists the keys under named entries, with "*" for the name
// (calendars.*.timezone) and their help text, sorted by name.
func PatternKeys() []Key {
	help := patternHelp()
	var out []Key
	for _, f := range fields() {
		if f.pattern {
			out = append(out, Key{Name: f.name, Help: help[f.name]})
		}
	}
	return out
}

// render writes a default value as a user would type it.
func render(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		return formatDuration(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case Size:
		return x.String()
	case []string:
		return strings.Join(x, ",")
	case bool:
		return strconv.FormatBool(x)
	case []float64:
		parts := make([]string, len(x))
		for i, f := range x {
			parts[i] = strconv.FormatFloat(f, 'g', -1, 64)
		}
		return strings.Join(parts, ",")
	}
	if v.Kind() == reflect.String {
		return v.String() // a named string (instance.memory_limit)
	}
	if v.Kind() == reflect.Slice {
		return "" // lists of entries (sla.rules) have no default
	}
	if k := v.Kind(); k == reflect.Slice || k == reflect.Map {
		return "" // lists and maps are set in the file
	}
	return strconv.FormatInt(v.Int(), 10)
}

// field is one leaf of Config: its dotted key, position and type. A leaf
// under a map of named entries (calendars.<name>.timezone) is a pattern:
// its name has "*" for the entry's name and it has no index.
type field struct {
	name    string
	index   []int
	typ     reflect.Type
	pattern bool
	// container marks the map holding pattern leaves (calendars): it has an
	// index, so reloads compare and swap it whole, but it is set through its
	// pattern leaves only.
	container bool
}

// fields lists the leaves of Config sorted by key, from the koanf tags.
func fields() []field {
	var out []field
	walk(reflect.TypeFor[Config](), "", nil, false, &out)
	slices.SortFunc(out, func(a, b field) int { return strings.Compare(a.name, b.name) })
	return out
}

// walk appends the leaves of struct type t to out. Structs nest; a map of
// structs (calendars) nests under a "*" token, a map of scalars (hours) is
// one pattern leaf per entry; a list (warn_at, holidays, rules) is one leaf
// whose value is the whole list, converted with the paths of its elements.
func walk(t reflect.Type, prefix string, index []int, pattern bool, out *[]field) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("koanf")
		if tag == "-" {
			continue
		}
		name := prefix + tag
		idx := append(slices.Clone(index), i)
		if pattern {
			idx = nil
		}
		switch {
		case f.Type.Kind() == reflect.Struct && f.Type != durationType:
			walk(f.Type, name+".", idx, pattern, out)
		case f.Type.Kind() == reflect.Map && f.Type.Elem().Kind() == reflect.Struct:
			*out = append(*out, field{name: name, index: idx, typ: f.Type, container: true})
			walk(f.Type.Elem(), name+".*.", nil, true, out)
		case f.Type.Kind() == reflect.Map:
			*out = append(*out, field{name: name + ".*", typ: f.Type.Elem(), pattern: true})
		default:
			*out = append(*out, field{name: name, index: idx, typ: f.Type, pattern: pattern})
		}
	}
}

// fieldsByName indexes fields by dotted key; pattern keys are indexed with
// their "*" tokens (see lookupField).
func fieldsByName() map[string]field {
	m := map[string]field{}
	for _, f := range fields() {
		m[f.name] = f
	}
	return m
}

// lookupField finds the field of a dotted key: by name, else the pattern
// whose tokens match the key's ("*" matching any one token).
func lookupField(known map[string]field, key string) (field, bool) {
	if f, ok := known[key]; ok && !f.container {
		return f, true
	}
	for name, f := range known {
		if f.pattern && matchPattern(name, key) {
			return f, true
		}
	}
	return field{}, false
}

// matchPattern reports whether key has the tokens of pattern, "*" matching
// any one token.
func matchPattern(pattern, key string) bool {
	p, k := strings.Split(pattern, "."), strings.Split(key, ".")
	if len(p) != len(k) {
		return false
	}
	for i := range p {
		if p[i] != "*" && p[i] != k[i] {
			return false
		}
	}
	return true
}

// instantiate writes pattern with its "*" tokens taken from key, for
// suggestions: calendars.*.timezone against calendars.acme.timzone gives
// calendars.acme.timezone.
func instantiate(pattern, key string) string {
	p, k := strings.Split(pattern, "."), strings.Split(key, ".")
	for i := range p {
		if p[i] == "*" && i < len(k) {
			p[i] = k[i]
		}
	}
	return strings.Join(p, ".")
}

// patternHelp returns the one-line help of every pattern key.
func patternHelp() map[string]string {
	return map[string]string{
		"calendars.*.timezone":      `IANA time zone of the calendar, e.g. "Europe/Berlin"; default UTC`,
		"calendars.*.hours.*":       `open hours of a weekday (mon..sun), e.g. "08:00-18:00"; unlisted days are closed`,
		"calendars.*.holidays":      "dates (YYYY-MM-DD) closed all day",
		"calendars.*.holidays_file": "iCalendar (.ics) file whose all-day events are holidays",
	}
}

// keyHelp returns the one-line help of every key.
func keyHelp() map[string]string {
	return map[string]string{
		"nats.url":                        `NATS server URL(s), comma-separated; "" starts the embedded server`,
		"nats.embedded.store_dir":         "JetStream store directory of the embedded server",
		"nats.embedded.listen":            "host:port the embedded server listens on (port 0 = random)",
		"nats.credentials":                "path to a NATS .creds file",
		"nats.user":                       "user name (needs nats.password)",
		"nats.password":                   "password of nats.user (secret: a flag shows in ps; prefer the environment or nats.password_file)",
		"nats.password_file":              "file holding nats.password (its content, without a trailing newline)",
		"nats.token":                      "authentication token (secret: a flag shows in ps; prefer the environment or nats.token_file)",
		"nats.token_file":                 "file holding nats.token (its content, without a trailing newline)",
		"nats.tls.ca":                     "CA bundle to verify the server with",
		"nats.tls.cert":                   "client certificate (needs nats.tls.key)",
		"nats.tls.key":                    "client key (needs nats.tls.cert)",
		"nats.tls.insecure":               "skip server certificate verification (testing only)",
		"nats.replicas":                   "replicas of every stream and bucket, 1..5",
		"subjects.prefix":                 "first token(s) of every subject",
		"streaming.partitions":            "partitions of the input stream, 1..1024 (fixed once created)",
		"streaming.trigger_interval":      `micro-batch cadence, e.g. "10 seconds"; 0 = continuous`,
		"streaming.max_batch":             "most events per micro-batch, 1..10000",
		"streaming.ack_wait":              "time a batch may take before its events are redelivered",
		"streaming.max_deliver":           "delivery attempts before an event is dead-lettered",
		"streaming.duplicate_window":      "publish de-duplication window, >= ack_wait*max_deliver",
		"streaming.pinned_ttl":            "time before a dead instance's partitions fail over, >= 2s",
		"instance.name":                   "name of this instance in logs and status; default <hostname>-<pid>",
		"instance.memory_limit":           `soft memory limit (as GOMEMLIMIT): "auto" (7/8 of the container's limit), "off" or a size such as "1200MiB"`,
		"sla.processing":                  "time allowed from order placed to processing started",
		"sla.shipping":                    "time allowed from processing started to shipped",
		"sla.delivery":                    "time allowed from order placed to delivered",
		"sla.clock":                       "deadline clock: event (event timestamps) or processing (arrival)",
		"sla.max_clock_skew":              "how far event time may run ahead of the local clock",
		"sla.recompute":                   "at a reload: new (terms apply to deadlines computed from then on) or open (recompute every open order)",
		"sla.grace":                       "time a breach waits after its deadline for late events (event clock)",
		"sla.warn_at":                     "fractions of an SLA's time at which SLA_AT_RISK fires, e.g. 0.5,0.75",
		"sla.calendar":                    `calendar of the default SLAs; "" = round the clock`,
		"sla.rules":                       "SLA rules per tenant, category or service level; first match wins",
		"sla.predict.enabled":             `warn orders whose learned risk of missing an SLA reaches sla.predict.threshold (SLA_AT_RISK, reason "predicted")`,
		"sla.predict.threshold":           "P(SLA missed | still pending now) at which an order is warned, in (0, 1)",
		"sla.predict.min_samples":         "samples a segment needs before it predicts, >= 1",
		"sla.predict.by":                  "segment keys of the model: any of sla_rule, tenant_id, item_category, service_level",
		"retention.completed_orders":      "how long finished orders are kept; 0 = forever",
		"retention.updates":               "how long output updates and alerts are kept; 0 = forever",
		"generator.enabled":               "built-in event generator: auto (on with the embedded server), true, false",
		"generator.rate":                  "generated events per second",
		"generator.scenario":              "generated traffic: realistic or sample",
		"generator.demo_sla":              "short demo SLAs: auto (with generator and embedded server), true, false",
		"generator.seed":                  "random seed of the generator; 0 = random",
		"output.console":                  "print updates and alerts to standard output",
		"output.max_rows":                 "rows printed per batch before summarising",
		"monitor.listen":                  `host:port of the monitoring HTTP endpoint; "" = off`,
		"monitor.auth_token":              "bearer token the dashboard and APIs require (secret: a flag shows in ps; prefer the environment or monitor.auth_token_file); empty = none",
		"monitor.auth_token_file":         "file holding monitor.auth_token (its content, without a trailing newline)",
		"monitor.allow_insecure":          "serve a non-loopback monitor.listen without monitor.auth_token",
		"monitor.tenant_label_limit":      "most tenants named in ordertrack_sla_outcomes_total; later ones count as other",
		"monitor.max_streams":             "most dashboard event streams (/api/events) served at once; 503 beyond",
		"log.level":                       "log level: debug, info, warn or error",
		"log.format":                      "log format: text or json",
		"notify.webhooks":                 "webhooks alerts are POSTed to (a list; set it in the config file)",
		"notify.max_attempts":             "attempts to deliver one alert to a webhook before it is dead-lettered",
		"notify.backoff":                  "wait before the first retry of a webhook delivery; doubles up to 5m",
		"ingest.mapping.order_id":         `dotted path of order_id in the source's JSON, e.g. "order.id"; "" = order_id`,
		"ingest.mapping.event_type":       `dotted path of event_type in the source's JSON; "" = event_type`,
		"ingest.mapping.timestamp":        `dotted path of the event time (RFC 3339, or Unix seconds/milliseconds); "" = timestamp`,
		"ingest.mapping.event_id":         `dotted path of event_id in the source's JSON; "" = event_id`,
		"ingest.mapping.customer_id":      `dotted path of customer_id in the source's JSON; "" = customer_id`,
		"ingest.mapping.tenant_id":        `dotted path of tenant_id in the source's JSON; "" = tenant_id`,
		"ingest.mapping.service_level":    `dotted path of service_level in the source's JSON; "" = service_level`,
		"ingest.mapping.item_name":        `dotted path of item_name in the source's JSON; "" = item_name`,
		"ingest.mapping.item_category":    `dotted path of item_category in the source's JSON; "" = item_category`,
		"ingest.mapping.quantity":         `dotted path of quantity in the source's JSON; "" = quantity`,
		"ingest.mapping.price":            `dotted path of price in the source's JSON; "" = price`,
		"ingest.mapping.event_types":      "the source's type values and the event types they mean (a list of {value, event_type}; set it in the config file)",
		"ingest.kafka.enabled":            "take events from Kafka: every run instance joins ingest.kafka.group",
		"ingest.kafka.brokers":            "Kafka seed brokers, host:port, comma-separated",
		"ingest.kafka.topics":             "Kafka topics to read, comma-separated",
		"ingest.kafka.group":              "Kafka consumer group shared by all instances",
		"ingest.kafka.start":              "where a new consumer group starts: earliest or latest",
		"ingest.kafka.sasl.mechanism":     `Kafka SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; "" = none`,
		"ingest.kafka.sasl.user":          "Kafka SASL user (needs ingest.kafka.sasl.mechanism and password)",
		"ingest.kafka.sasl.password":      "Kafka SASL password (secret: a flag shows in ps; prefer the environment or ingest.kafka.sasl.password_file)",
		"ingest.kafka.sasl.password_file": "file holding ingest.kafka.sasl.password (its content, without a trailing newline)",
		"ingest.kafka.tls.enabled":        "connect to the Kafka brokers with TLS",
		"ingest.kafka.tls.ca":             "CA bundle to verify the Kafka brokers with; \"\" = system roots",
		"ingest.kafka.tls.cert":           "client certificate for Kafka (needs ingest.kafka.tls.key)",
		"ingest.kafka.tls.key":            "client key for Kafka (needs ingest.kafka.tls.cert)",
		"ingest.kafka.tls.insecure":       "skip Kafka broker certificate verification (testing only)",
		"ingest.http.listen":              `host:port of POST /v1/events; "" = off; beyond loopback needs ingest.http.token or ingest.http.secret`,
		"ingest.http.token":               "bearer token /v1/events requires (secret: a flag shows in ps; prefer the environment or ingest.http.token_file)",
		"ingest.http.token_file":          "file holding ingest.http.token (its content, without a trailing newline)",
		"ingest.http.secret":              "Standard Webhooks signing secret (whsec_...) /v1/events accepts (secret: prefer the environment or ingest.http.secret_file)",
		"ingest.http.secret_file":         "file holding ingest.http.secret (its content, without a trailing newline)",
		"ingest.http.max_body":            `largest request body of /v1/events, e.g. "1MiB"; 413 beyond`,
		"ingest.http.shopify.secret":      `Shopify app webhook signing secret; "" = /v1/webhooks/shopify off (secret: prefer the environment or ingest.http.shopify.secret_file)`,
		"ingest.http.shopify.secret_file": "file holding ingest.http.shopify.secret (its content, without a trailing newline)",
	}
}
