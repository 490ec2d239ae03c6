package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/ordertrack/ordertrack/config"
)

// clientOptions are the kgo options of the group member: manual commits
// only, rebalances only between batches, the session timeout, static
// membership when an instance name is configured.
func (s *Source) clientOptions() ([]kgo.Opt, error) {
	opts, err := s.connectOptions()
	if err != nil {
		return nil, err
	}
	k := s.opts.Kafka
	start := kgo.NewOffset().AtStart()
	if k.Start == config.KafkaStartLatest {
		start = kgo.NewOffset().AtEnd()
	}
	opts = append(opts,
		kgo.ConsumerGroup(k.Group),
		kgo.ConsumeTopics(k.Topics...),
		kgo.ConsumeResetOffset(start),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(s.assigned),
		kgo.OnPartitionsRevoked(s.revoked),
		kgo.OnPartitionsLost(s.lost),
		kgo.OnPartitionsCallbackBlocked(func(context.Context, *kgo.Client) { s.rebalanceWaiting.Store(true) }),
		kgo.SessionTimeout(s.opts.SessionTimeout),
		kgo.HeartbeatInterval(s.opts.SessionTimeout/5),
		kgo.FetchMaxBytes(fetchMaxBytes),
		kgo.FetchMaxPartitionBytes(1<<20),
	)
	if s.opts.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(s.opts.InstanceID))
	}
	return append(opts, s.opts.ClientOptions...), nil
}

// connectOptions are how to reach the brokers: seeds, SASL, TLS, logging.
func (s *Source) connectOptions() ([]kgo.Opt, error) {
	k := s.opts.Kafka
	opts := []kgo.Opt{kgo.SeedBrokers(k.Brokers...), kgo.ClientID("ordertrack"), kgo.WithLogger(kgoLogger{s.log, &s.clientFaults})}
	switch k.SASL.Mechanism {
	case config.SASLPlain:
		opts = append(opts, kgo.SASL(plain.Auth{User: k.SASL.User, Pass: k.SASL.Password}.AsMechanism()))
	case config.SASLScramSHA256:
		opts = append(opts, kgo.SASL(scram.Auth{User: k.SASL.User, Pass: k.SASL.Password}.AsSha256Mechanism()))
	case config.SASLScramSHA512:
		opts = append(opts, kgo.SASL(scram.Auth{User: k.SASL.User, Pass: k.SASL.Password}.AsSha512Mechanism()))
	}
	if k.TLS.Enabled {
		tc, err := tlsConfig(k.TLS)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	return opts, nil
}

// tlsConfig builds the TLS configuration of ingest.kafka.tls, naming the
// key of a file that cannot be used.
func tlsConfig(t config.KafkaTLS) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.Insecure} //nolint:gosec // ingest.kafka.tls.insecure, documented as testing only
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return nil, fmt.Errorf("ingest.kafka.tls.ca: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ingest.kafka.tls.ca: %s holds no PEM certificate", t.CA)
		}
	}
	if t.Cert != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("ingest.kafka.tls.cert/key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// kgoLogger hands kgo's warnings and errors to slog, once per burst (kgo
// warns at every retry while a broker is away); its info and debug lines
// are per request and dropped.
type kgoLogger struct {
	log    *slog.Logger
	faults *faultLog
}

func (l kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (l kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	if level == kgo.LogLevelError {
		l.log.Log(context.Background(), slog.LevelError, "kafka client: "+msg, keyvals...)
		return
	}
	l.faults.note(l.log, "kafka client: "+msg+" (repeats are not logged until it recovers)", nil, keyvals...)
}
