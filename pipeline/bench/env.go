package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// benchEnv is one phase's world: a fresh embedded server in its own store
// directory, the pipeline's objects, and in-process connections for the
// pipeline, the load and the observer.
type benchEnv struct {
	cfg  config.Config
	log  *slog.Logger
	srv  *broker.Embedded
	dir  string
	prov *contract.Provisioned

	pipeNC *nats.Conn
	pipeJS jetstream.JetStream
	load   *loader
	obs    *nats.Conn // observer: core subscriptions to outputs

	updates atomic.Int64         // outputs stored by the running pipeline
	onBatch func([]order.Update) // extra OnUpdates hook of the phase
	p       *pipeline.Pipeline
	stopRun context.CancelFunc
	runDone chan error
}

// newBenchEnv starts a server under root and provisions the pipeline's objects.
func newBenchEnv(ctx context.Context, root string, cfg config.Config, log *slog.Logger) (*benchEnv, error) {
	dir, err := os.MkdirTemp(root, "phase-")
	if err != nil {
		return nil, err
	}
	cfg.NATS.URL = ""
	cfg.NATS.Embedded.StoreDir = dir
	cfg.NATS.Embedded.Listen = "127.0.0.1:0"
	e := &benchEnv{cfg: cfg, log: log, dir: dir}
	if e.srv, err = broker.StartEmbedded(cfg.NATS, log); err != nil {
		e.close()
		return nil, err
	}
	if err := e.connect(ctx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *benchEnv) connect(ctx context.Context) error {
	var err error
	if e.pipeNC, err = e.dial("ordertrack bench pipeline"); err != nil {
		return err
	}
	if e.pipeJS, err = jetstream.New(e.pipeNC, jetstream.WithPublishAsyncMaxPending(4096)); err != nil {
		return err
	}
	loadNC, err := e.dial("ordertrack bench load")
	if err != nil {
		return err
	}
	if e.load, err = newLoader(loadNC); err != nil {
		return err
	}
	if e.obs, err = e.dial("ordertrack bench observer"); err != nil {
		return err
	}
	e.prov, err = contract.Provision(ctx, e.pipeJS, e.cfg, e.log)
	return err
}

func (e *benchEnv) dial(name string) (*nats.Conn, error) {
	return broker.Connect(e.cfg.NATS, broker.ConnectOptions{Name: name, Embedded: e.srv}, e.log)
}

// start runs a new pipeline in the background.
func (e *benchEnv) start() {
	e.p = pipeline.New(e.pipeJS, e.prov, pipeline.Options{Config: e.cfg, Log: e.log, OnUpdates: func(us []order.Update) {
		e.updates.Add(int64(len(us)))
		if e.onBatch != nil {
			e.onBatch(us)
		}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	e.stopRun, e.runDone = cancel, make(chan error, 1)
	go func() { e.runDone <- e.p.Run(ctx) }()
}

// stop stops the running pipeline gracefully, within 30s.
func (e *benchEnv) stop() error {
	if e.stopRun == nil {
		return nil
	}
	e.stopRun()
	e.stopRun = nil
	select {
	case err := <-e.runDone:
		return err
	case <-time.After(30 * time.Second):
		return errors.New("pipeline did not stop within 30s")
	}
}

// waitUpdates waits until the pipeline has processed n events: n outputs
// stored in the updates stream. Outputs are counted where they are stored,
// not by the pipeline's callback, so a batch that failed after publishing
// and was redone (its outputs de-duplicated) still counts once.
func (e *benchEnv) waitUpdates(ctx context.Context, n int64, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		info, err := e.prov.Updates.Info(ctx)
		if err != nil {
			return fmt.Errorf("updates stream: %w", err)
		}
		if int64(info.State.Msgs) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pipeline stored %d of %d outputs within %s", info.State.Msgs, n, within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond): // polling interval of a measurement
		}
	}
}

// waitFirst waits until the running pipeline reports its first output.
func (e *benchEnv) waitFirst(ctx context.Context, within time.Duration) error {
	return pollUntil(ctx, within, func() bool { return e.updates.Load() > 0 },
		func() error { return fmt.Errorf("no event processed within %s", within) })
}

// close stops everything and removes the store. Safe to call twice.
func (e *benchEnv) close() {
	if err := e.stop(); err != nil {
		e.log.Warn("bench: stop pipeline", "err", err)
	}
	for _, nc := range []*nats.Conn{e.pipeNC, e.obs} {
		if nc != nil {
			nc.Close()
		}
	}
	if e.load != nil {
		e.load.nc.Close()
	}
	e.pipeNC, e.obs, e.load = nil, nil, nil
	e.srv.Shutdown()
	e.srv = nil
	if e.dir != "" {
		_ = os.RemoveAll(e.dir)
		e.dir = ""
	}
}

// pollUntil checks cond every millisecond-scale interval until it holds,
// ctx ends or within passes (then it returns timeout()).
func pollUntil(ctx context.Context, within time.Duration, cond func() bool, timeout func() error) error {
	deadline := time.Now().Add(within)
	for !cond() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return timeout()
		}
		time.Sleep(2 * time.Millisecond) // polling interval of a measurement
	}
	return nil
}

// benchRoot makes the directory under which every phase keeps its store.
func benchRoot(dir string) (string, func(), error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", nil, err
		}
		root, err := os.MkdirTemp(dir, "ordertrack-bench-")
		return root, func() { _ = os.RemoveAll(root) }, err
	}
	root, err := os.MkdirTemp("", "ordertrack-bench-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Clean(root), func() { _ = os.RemoveAll(root) }, nil
}

// observe subscribes the observer connection to subject with no pending
// limits (a phase must not miss outputs) and waits until the server knows.
func (e *benchEnv) observe(subject string, h nats.MsgHandler) error {
	sub, err := e.obs.Subscribe(subject, h)
	if err != nil {
		return err
	}
	_ = sub.SetPendingLimits(-1, -1)
	return e.obs.Flush()
}
