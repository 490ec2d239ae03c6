package deploy

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// natsEnv are throwaway values for the variables the NATS configuration
// reads from the environment.
// testTopo is the default configuration's Topology: tests publish and
// filter with its subjects, and assert the names SPEC gives them.
var testTopo = contract.TopologyOf(config.Default())

var natsEnv = map[string]string{
	"ORDERTRACK_PASSWORD": "test-ordertrack-pw", "PRODUCER_PASSWORD": "test-producer-pw",
	"ADMIN_PASSWORD": "test-admin-pw", "SYS_PASSWORD": "test-sys-pw",
}

// setNATSEnv sets the environment of one node.
func setNATSEnv(t *testing.T, serverName string) {
	for k, v := range natsEnv {
		t.Setenv(k, v)
	}
	t.Setenv("NATS_SERVER_NAME", serverName)
}

// installedNATS copies nats/ as a node has it in /etc/nats: the same
// files, with the TLS and store paths moved under a temporary directory
// that holds throwaway certificates. It returns the copy of
// nats-server.conf and the directory of the certificates.
func installedNATS(t *testing.T) (conf, tlsDir string) {
	t.Helper()
	root := t.TempDir()
	tlsDir = filepath.Join(root, "tls")
	if err := os.Mkdir(tlsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	throwawayTLS(t, tlsDir)
	text := read(t, "nats/nats-server.conf")
	for _, p := range []string{"/etc/nats/tls/", "/var/lib/nats"} {
		if !strings.Contains(text, p) {
			t.Fatalf("nats/nats-server.conf no longer names %s: update this test", p)
		}
	}
	text = strings.ReplaceAll(text, "/etc/nats/tls/", tlsDir+"/")
	text = strings.ReplaceAll(text, "/var/lib/nats", filepath.Join(root, "store"))
	conf = filepath.Join(root, "nats-server.conf")
	write(t, conf, text)
	write(t, filepath.Join(root, "accounts.conf"), read(t, "nats/accounts.conf"))
	return conf, tlsDir
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestNATSConfigAccepted reads each nats-server configuration as
// `nats-server -t` does (server.ProcessConfigFile, then the real binary of
// go.mod's version with -t) and checks what it sets up: JetStream, the
// 3-node cluster, TLS where shipped, the accounts and users.
func TestNATSConfigAccepted(t *testing.T) {
	installed, _ := installedNATS(t)
	for _, tt := range []struct {
		name, path string
		tls        bool
	}{
		{"nats-server.conf", installed, true},
		{"compose/nats.conf", "compose/nats.conf", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setNATSEnv(t, "nats-2")
			o, err := server.ProcessConfigFile(tt.path)
			if err != nil {
				t.Fatalf("nats-server refuses %s: %v", tt.name, err)
			}
			checkNodeOptions(t, o, tt.tls)
			bin := pipelinetest.NATSServerBinary(t)
			out, err := exec.Command(bin, "-t", "-c", tt.path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "valid") {
				t.Fatalf("nats-server -t -c %s: %v\n%s", tt.name, err, out)
			}
		})
	}
}

func checkNodeOptions(t *testing.T, o *server.Options, wantTLS bool) {
	t.Helper()
	var routes []string
	for _, r := range o.Routes {
		routes = append(routes, r.Host)
	}
	if !o.JetStream || o.ServerName != "nats-2" || o.Cluster.Name != "ordertrack" ||
		strings.Join(routes, " ") != "nats-1:6222 nats-2:6222 nats-3:6222" {
		t.Errorf("jetstream %v, server name %q, cluster %q, routes %v; want JetStream, nats-2, ordertrack, nats-1..3:6222",
			o.JetStream, o.ServerName, o.Cluster.Name, routes)
	}
	if wantTLS && (o.TLSConfig == nil || o.Cluster.TLSConfig == nil || o.Cluster.TLSConfig.ClientAuth != tls.RequireAndVerifyClientCert) {
		t.Errorf("TLS: clients %v, routes %v (want mutual TLS on routes)", o.TLSConfig != nil, o.Cluster.TLSConfig)
	}
	if o.SystemAccount != "SYS" {
		t.Errorf("system account %q", o.SystemAccount)
	}
	users := map[string]string{}
	for _, u := range o.Users {
		users[u.Username] = u.Account.Name
		if u.Password != natsEnv[strings.ToUpper(u.Username)+"_PASSWORD"] {
			t.Errorf("user %s: password not read from the environment", u.Username)
		}
	}
	want := map[string]string{"ordertrack": "ORDERTRACK", "producer": "ORDERTRACK", "admin": "ORDERTRACK", "sys": "SYS"}
	if fmt.Sprint(users) != fmt.Sprint(want) {
		t.Errorf("users by account %v, want %v", users, want)
	}
}

// TestThreeNodeClusterRuns starts the three nodes of nats-server.conf
// in-process (client and route ports random, routes pointed at the first
// node, throwaway certificates), then runs the pipeline on it as the
// ordertrack user over TLS with replicas: 3, and processes one order's
// lifecycle published by the producer user through another node.
func TestThreeNodeClusterRuns(t *testing.T) {
	conf, tlsDir := installedNATS(t)
	// A JetStream cluster node needs its routes before it starts: the three
	// route ports are taken from free ones, as the file's 6222 on each host.
	ports := freePorts(t, 3)
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	opts := make([]*server.Options, 3)
	for i := range opts {
		setNATSEnv(t, fmt.Sprintf("nats-%d", i+1))
		o := pipelinetest.ConfigFileOptions(t, conf)
		o.Cluster.Host, o.Cluster.Port, o.Routes = "127.0.0.1", ports[i], routes
		opts[i] = o
	}
	nodes := make([]*server.Server, 3)
	for i, o := range opts {
		nodes[i] = pipelinetest.RunOptions(t, o)
	}
	ca := nats.RootCAs(filepath.Join(tlsDir, "ca.pem"))
	nc := connect(t, nodes[0], "ordertrack", ca)
	js, _ := jetstream.New(nc)
	pipelinetest.WaitFor(t, 30*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := js.AccountInfo(ctx)
		return err
	})

	cfg := config.Default()
	cfg.NATS.Replicas, cfg.Streaming.Partitions = 3, 2
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	prov, err := contract.Provision(ctx, js, cfg, log)
	if err != nil {
		t.Fatalf("provision with replicas 3 as the ordertrack user: %v", err)
	}
	for _, s := range []jetstream.Stream{prov.Events, prov.Timers, prov.Updates, prov.DLQ} {
		info, err := s.Info(ctx)
		if err != nil || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
			t.Fatalf("stream %s: %v, cluster %+v; want a leader and 2 replicas", s.CachedInfo().Config.Name, err, info.Cluster)
		}
	}
	stop := pipelinetest.StartPipeline(t, pipeline.New(js, prov, pipeline.Options{Config: cfg, Log: log}))

	publishLifecycle(t, connect(t, nodes[2], "producer", ca), "CLUSTER-1")
	pipelinetest.WaitFor(t, 30*time.Second, func() error {
		m, err := prov.Updates.GetLastMsgForSubject(ctx, testTopo.UpdateSubject("CLUSTER-1"))
		if err != nil {
			return fmt.Errorf("no update of CLUSTER-1: %w", err)
		}
		var u struct{ EventType, Status string }
		if err := json.Unmarshal(m.Data, &struct {
			EventType *string `json:"event_type"`
			Status    *string `json:"status"`
		}{&u.EventType, &u.Status}); err != nil || u.Status != "DELIVERED" {
			return fmt.Errorf("last update of CLUSTER-1: %s (%v)", m.Data, err)
		}
		return nil
	})
	stop()
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

func connect(t *testing.T, s *server.Server, user string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), append(opts, nats.UserInfo(user, natsEnv[strings.ToUpper(user)+"_PASSWORD"]))...)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// publishLifecycle publishes an order's four stages, a second apart.
func publishLifecycle(t *testing.T, nc *nats.Conn, id string) {
	t.Helper()
	js, _ := jetstream.New(nc)
	ts := time.Now().UTC().Add(-time.Minute)
	for i, typ := range []string{"ORDER_PLACED", "PROCESSING_STARTED", "ITEM_SHIPPED", "ITEM_DELIVERED"} {
		body := fmt.Sprintf(`{"order_id":%q,"event_id":"%s-%d","event_type":%q,"item_name":"Blue Jeans","timestamp":%q}`,
			id, id, i, typ, ts.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := js.Publish(ctx, testTopo.EventSubject(id), []byte(body))
		cancel()
		if err != nil {
			t.Fatalf("publish %s of %s: %v", typ, id, err)
		}
	}
}
