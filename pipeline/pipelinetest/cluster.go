package pipelinetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Cluster is a 3-node (or n-node) JetStream cluster of nats-server
// processes routed to each other on loopback, each with its own t.TempDir
// store. The binary is built once from the module cache (the nats-server
// version in go.mod). Processes, unlike in-process servers, can be killed
// for real: an in-process Shutdown steps down from its leaderships first,
// which is a graceful stop, not a node loss.
type Cluster struct {
	t     testing.TB
	Name  string
	nodes []*node
	nc    *nats.Conn
	js    jetstream.JetStream
}

type node struct {
	name       string
	port, http int
	conf, log  string
	cmd        *exec.Cmd
	exited     chan struct{}
}

// RunCluster starts an n-node JetStream cluster and waits until every node
// reports healthy (JetStream current, a meta leader elected). Every node is
// killed when the test ends.
func RunCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	bin := natsServerBinary(t)
	c := &Cluster{t: t, Name: "ot-" + strings.ToLower(randomName())}
	ports := freePorts(t, 3*n)
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[2*n+i]))
	}
	dir := t.TempDir()
	for i := range n {
		nd := &node{name: fmt.Sprintf("n%d", i+1), port: ports[i], http: ports[n+i]}
		nd.conf = filepath.Join(dir, nd.name+".conf")
		nd.log = filepath.Join(dir, nd.name+".log")
		conf := fmt.Sprintf(`server_name: %s
listen: "127.0.0.1:%d"
http: "127.0.0.1:%d"
jetstream { store_dir: %q }
cluster { name: %s, listen: "127.0.0.1:%d", routes: [%s] }
`, nd.name, nd.port, nd.http, filepath.Join(dir, nd.name), c.Name, ports[2*n+i], strings.Join(routes, ", "))
		if err := os.WriteFile(nd.conf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, nd)
	}
	t.Cleanup(c.Shutdown)
	for i := range n {
		c.start(i, bin)
	}
	c.WaitReady()
	c.nc, c.js = c.Connect()
	return c
}

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// natsServerBinary builds the nats-server of go.mod once per machine and
// version (the go build cache makes a rebuild take seconds).
func natsServerBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		version := "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, d := range bi.Deps {
				if d.Path == "github.com/nats-io/nats-server/v2" {
					version = d.Version
				}
			}
		}
		buildBin = filepath.Join(os.TempDir(), "ordertrack-test-nats-server-"+version)
		if _, err := os.Stat(buildBin); err == nil {
			return
		}
		tmp := fmt.Sprintf("%s.%d", buildBin, os.Getpid())
		out, err := exec.Command("go", "build", "-o", tmp, "github.com/nats-io/nats-server/v2").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build nats-server: %v\n%s", err, out)
			return
		}
		buildErr = os.Rename(tmp, buildBin)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

func (c *Cluster) start(i int, bin string) {
	c.t.Helper()
	nd := c.nodes[i]
	logf, err := os.OpenFile(nd.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", nd.conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", nd.name, err)
	}
	nd.cmd, nd.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(nd.exited) }()
}

// WaitReady waits until every running node answers /healthz with ok.
func (c *Cluster) WaitReady() {
	c.t.Helper()
	WaitFor(c.t, 30*time.Second, func() error {
		for _, nd := range c.nodes {
			if nd.cmd != nil && !nd.healthy() {
				return fmt.Errorf("node %s not healthy (log %s)", nd.name, nd.log)
			}
		}
		return c.metaCurrent()
	})
}

// metaCurrent returns nil once the meta leader sees every running node as
// a current peer: before, creating a replicated stream can fail with "no
// suitable peers for placement, peer offline" although every node is
// healthy.
func (c *Cluster) metaCurrent() error {
	type jsz struct {
		Meta *struct {
			Leader   string `json:"leader"`
			Replicas []struct {
				Name    string `json:"name"`
				Current bool   `json:"current"`
				Offline bool   `json:"offline"`
			} `json:"replicas"`
		} `json:"meta_cluster"`
	}
	read := func(nd *node) (jsz, error) {
		var j jsz
		cl := http.Client{Timeout: time.Second}
		resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d/jsz", nd.http))
		if err != nil {
			return j, err
		}
		defer resp.Body.Close()
		return j, json.NewDecoder(resp.Body).Decode(&j)
	}
	var leader string
	for _, nd := range c.nodes {
		if nd.cmd == nil {
			continue
		}
		if j, err := read(nd); err == nil && j.Meta != nil && j.Meta.Leader != "" {
			leader = j.Meta.Leader
			break
		}
	}
	for _, nd := range c.nodes {
		if nd.name != leader {
			continue
		}
		j, err := read(nd)
		if err != nil || j.Meta == nil || j.Meta.Leader != leader {
			return fmt.Errorf("meta leader %s moved or unreadable (%v)", leader, err)
		}
		current := map[string]bool{}
		for _, r := range j.Meta.Replicas {
			current[r.Name] = r.Current && !r.Offline
		}
		for _, other := range c.nodes {
			if other.cmd != nil && other.name != leader && !current[other.name] {
				return fmt.Errorf("meta leader %s does not see %s as a current peer", leader, other.name)
			}
		}
		return nil
	}
	return fmt.Errorf("no meta leader yet (%q)", leader)
}

func (nd *node) healthy() bool {
	cl := http.Client{Timeout: time.Second}
	resp, err := cl.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", nd.http))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// URLs returns the client URLs of every node, comma separated, as
// nats.Connect takes them.
func (c *Cluster) URLs() string {
	var us []string
	for _, nd := range c.nodes {
		us = append(us, fmt.Sprintf("nats://127.0.0.1:%d", nd.port))
	}
	return strings.Join(us, ",")
}

// Connect returns a connection to the cluster that reconnects forever, so
// it outlives the loss of the node it is connected to; closed when the
// test ends.
func (c *Cluster) Connect(opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	c.t.Helper()
	opts = append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond),
		nats.ReconnectJitter(0, 0), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})}, opts...)
	nc, err := nats.Connect(c.URLs(), opts...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		c.t.Fatal(err)
	}
	return nc, js
}

// Leader returns the index of the node leading stream (a KV bucket's
// stream is KV_<bucket>), or -1 when it has none or does not answer.
func (c *Cluster) Leader(stream string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s, err := c.js.Stream(ctx, stream)
	if err != nil {
		return -1
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil {
		return -1
	}
	for i, nd := range c.nodes {
		if nd.name == info.Cluster.Leader && nd.cmd != nil {
			return i
		}
	}
	return -1
}

// WaitLeader waits until stream has a leader and returns its node index.
func (c *Cluster) WaitLeader(stream string) int {
	c.t.Helper()
	i := -1
	WaitFor(c.t, 30*time.Second, func() error {
		if i = c.Leader(stream); i < 0 {
			return fmt.Errorf("stream %s has no leader", stream)
		}
		return nil
	})
	return i
}

// Kill ends node i with SIGKILL: no step-down, no flush, as a crash.
func (c *Cluster) Kill(i int) {
	c.t.Helper()
	nd := c.nodes[i]
	if nd.cmd == nil {
		return
	}
	_ = nd.cmd.Process.Signal(syscall.SIGKILL)
	<-nd.exited
	nd.cmd = nil
}

// Restart starts node i again on its ports and store and waits until the
// cluster is healthy.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	if c.nodes[i].cmd == nil {
		c.start(i, natsServerBinary(c.t))
	}
	c.WaitReady()
}

// Shutdown kills every node; safe to call twice.
func (c *Cluster) Shutdown() {
	for i := range c.nodes {
		c.Kill(i)
	}
}

// WaitStreamsCurrent waits until every named stream has a leader and all
// its replicas are current and online, so that a kill that follows tests a
// leader change and not a replica still catching up.
func (c *Cluster) WaitStreamsCurrent(streams ...string) {
	c.t.Helper()
	WaitFor(c.t, 30*time.Second, func() error {
		for _, name := range streams {
			if err := c.current(name); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *Cluster) current(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s, err := c.js.Stream(ctx, name)
	if err != nil {
		return fmt.Errorf("stream %s: %w", name, err)
	}
	info, err := s.Info(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("stream %s: %w", name, err)
	case info.Cluster == nil || info.Cluster.Leader == "":
		return fmt.Errorf("stream %s has no leader", name)
	case len(info.Cluster.Replicas) != len(c.nodes)-1:
		return fmt.Errorf("stream %s has %d replicas besides the leader, want %d", name, len(info.Cluster.Replicas), len(c.nodes)-1)
	}
	for _, r := range info.Cluster.Replicas {
		if !r.Current || r.Offline {
			return fmt.Errorf("stream %s: replica %s not current", name, r.Name)
		}
	}
	return nil
}

func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func randomName() string { return nats.NewInbox()[len(nats.InboxPrefix):][:8] }
