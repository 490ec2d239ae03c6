package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"sync/atomic"
	"time"
)

// LiveKeys are the keys (or, ending in ".", sections) a reload changes
// while running (SPEC section 12). A change to any other key needs a
// restart.
var LiveKeys = []string{"sla.", "calendars.", "output.", "log.level", "notify."}

// IsLive reports whether key changes at a reload.
func IsLive(key string) bool {
	for _, l := range LiveKeys {
		section, isSection := strings.CutSuffix(l, ".")
		if key == l || isSection && (key == section || strings.HasPrefix(key, l)) {
			return true
		}
	}
	return false
}

// Merge returns running with the live keys of next, and the keys whose
// change next asks for but that need a restart (they keep running's value).
func Merge(running, next Config) (Config, []string) {
	out := running
	rv, nv, ov := reflect.ValueOf(running), reflect.ValueOf(next), reflect.ValueOf(&out).Elem()
	var restart []string
	for _, f := range fields() {
		if f.pattern {
			continue // compared as part of its container (calendars)
		}
		a, b := rv.FieldByIndex(f.index), nv.FieldByIndex(f.index)
		if reflect.DeepEqual(a.Interface(), b.Interface()) {
			continue
		}
		if IsLive(f.name) {
			ov.FieldByIndex(f.index).Set(b)
		} else {
			restart = append(restart, f.name)
		}
	}
	return out, restart
}

// hashLocal are the keys (or, ending in ".", sections) local to one
// instance: where it listens, its name and memory limit, its store, how it reaches and
// authenticates to NATS and to Kafka (credential and TLS paths, another
// node's URL or broker), its logs and console. Hash leaves them out, and
// every secret (SecretKeys and their _file).
var hashLocal = []string{"instance.", "monitor.listen", "monitor.allow_insecure",
	"nats.url", "nats.embedded.", "nats.credentials", "nats.user", "nats.tls.", "log.", "output.",
	"ingest.http.listen", "ingest.kafka.brokers", "ingest.kafka.sasl.", "ingest.kafka.tls."}

// inHash reports whether key counts in Hash.
func inHash(key string) bool {
	for _, l := range hashLocal {
		if key == l || strings.HasSuffix(l, ".") && strings.HasPrefix(key, l) {
			return false
		}
	}
	for _, s := range SecretKeys {
		if key == s || key == s+FileSuffix {
			return false
		}
	}
	return true
}

// Hash is a short fingerprint (12 hex digits of a SHA-256) of what the
// instances of one deployment must agree on: subjects, streaming, SLAs,
// calendars (their holidays, not the file's path), retention, webhooks
// (without their secrets and header values), the generator and the
// monitor's limits. What is local to an instance is left out (hashLocal),
// so two instances with the same terms show the same hash and instances
// running different terms show at once. It covers no secret.
func Hash(c Config) string {
	v := reflect.ValueOf(c)
	values := map[string]any{}
	for _, f := range fields() {
		if inHash(f.name) && !f.pattern {
			values[f.name] = v.FieldByIndex(f.index).Interface()
		}
	}
	cals := make(map[string]Calendar, len(c.Calendars))
	for name, cal := range c.Calendars {
		cal.HolidaysFile = ""
		cals[name] = cal
	}
	values["calendars"] = cals
	hooks := make([]Webhook, len(c.Notify.Webhooks))
	for i, w := range c.Notify.Webhooks {
		w.Secret, w.SecretFile = "", ""
		w.Headers = make(map[string]string, len(w.Headers))
		for h := range c.Notify.Webhooks[i].Headers {
			w.Headers[h] = "" // the names count, not the values
		}
		hooks[i] = w
	}
	values["notify.webhooks"] = hooks
	b, _ := json.Marshal(values) // map keys are sorted
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// Live holds the configuration in force in a running process; a reload
// swaps it atomically. Readers take one Config value and use it for a
// whole unit of work (a batch), so they never see half a reload.
type Live struct {
	p atomic.Pointer[liveConfig]
}

type liveConfig struct {
	cfg      Config
	hash     string
	loadedAt time.Time
}

// NewLive returns a holder of c, loaded at at.
func NewLive(c Config, at time.Time) *Live {
	l := &Live{}
	l.Set(c, at)
	return l
}

// Set makes c the configuration in force, loaded at at.
func (l *Live) Set(c Config, at time.Time) {
	l.p.Store(&liveConfig{cfg: c, hash: Hash(c), loadedAt: at})
}

// Config returns the configuration in force.
func (l *Live) Config() Config { return l.p.Load().cfg }

// Hash returns Hash of the configuration in force (status' config_hash).
func (l *Live) Hash() string { return l.p.Load().hash }

// LoadedAt returns when the configuration in force was loaded (status'
// config_loaded_at): the start, or the last applied reload.
func (l *Live) LoadedAt() time.Time { return l.p.Load().loadedAt }
