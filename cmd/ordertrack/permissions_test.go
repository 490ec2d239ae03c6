package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// accountsConf is the shipped file with the ordertrack user (SPEC 10, 15).
const accountsConf = "../../scripts/deploy/nats/accounts.conf"

// Throwaway passwords: accounts.conf reads them from the environment.
const (
	ordertrackPassword = "test-ordertrack-pw"
	producerPassword   = "test-producer-pw"
)

// shippedAccounts returns a server's options with the accounts and users of
// accounts.conf, edit applied to the ordertrack user's permissions.
func shippedAccounts(t *testing.T, edit func(p *server.Permissions)) *server.Options {
	t.Helper()
	for k, v := range map[string]string{"ORDERTRACK_PASSWORD": ordertrackPassword, "PRODUCER_PASSWORD": producerPassword,
		"ADMIN_PASSWORD": "test-admin-pw", "SYS_PASSWORD": "test-sys-pw"} {
		t.Setenv(k, v)
	}
	o := pipelinetest.ConfigFileOptions(t, accountsConf)
	o.JetStream = true
	if edit != nil {
		edit(userPermissions(t, o, "ordertrack"))
	}
	return o
}

func userPermissions(t *testing.T, o *server.Options, name string) *server.Permissions {
	t.Helper()
	for _, u := range o.Users {
		if u.Username == name {
			if u.Permissions == nil {
				t.Fatalf("user %s has no permissions in %s", name, accountsConf)
			}
			return u.Permissions
		}
	}
	t.Fatalf("no user %s in %s", name, accountsConf)
	return nil
}

// userArgs connects a command to s as the ordertrack user.
func userArgs(s *server.Server) []string {
	return []string{"--nats.url", s.ClientURL(), "--nats.user", "ordertrack", "--nats.password", ordertrackPassword,
		"--streaming.partitions", "2"}
}

// TestShippedPermissionsAreTheGrants keeps the file and the code's list of
// grants (which the start-up check probes) identical.
func TestShippedPermissionsAreTheGrants(t *testing.T) {
	p := userPermissions(t, shippedAccounts(t, nil), "ordertrack")
	var pub, sub []string
	for _, g := range contract.Grants(contract.Topology{Prefix: "orders", Partitions: 8}) {
		if g.Subscribe {
			sub = append(sub, g.Subject)
		} else {
			pub = append(pub, g.Subject)
		}
	}
	same := func(what string, file, code []string) {
		file, code = slices.Sorted(slices.Values(file)), slices.Sorted(slices.Values(code))
		if !slices.Equal(file, code) {
			t.Errorf("%s allow of the ordertrack user in %s differs from contract.Grants:\n file %q\n code %q",
				what, accountsConf, file, code)
		}
	}
	same("publish", p.Publish.Allow, pub)
	same("subscribe", p.Subscribe.Allow, sub)
	if p.Publish.Deny != nil || p.Subscribe.Deny != nil || p.Response != nil {
		t.Errorf("unexpected deny or response permissions: %+v", p)
	}
}

// TestRunAsShippedUser runs the pipeline, its monitor, a webhook notifier
// and the read-only commands as the ordertrack user of accounts.conf
// against a server loaded from that file: an order's whole lifecycle is
// processed, another order's SLA timer fires and its breach reaches the
// webhook, nothing is denied, and the stop (which unpins the partitions)
// exits 0.
func TestRunAsShippedUser(t *testing.T) {
	s := pipelinetest.RunOptions(t, shippedAccounts(t, nil))
	hooks := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooks <- string(b)
	}))
	defer hook.Close()
	conf := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(conf, fmt.Appendf(nil, "notify:\n  webhooks:\n    - name: ops\n      url: %q\n", hook.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"run", "--config", conf}, userArgs(s)...)
	args = append(args, "--sla.processing", "2s", "--sla.shipping", "1h", "--sla.delivery", "2h",
		"--monitor.listen", "127.0.0.1:0", "--log.level", "debug")
	run := startMain(t, args...)

	nc, err := nats.Connect(s.ClientURL(), nats.UserInfo("producer", producerPassword))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ts := time.Now().UTC().Add(-time.Minute)
	for i, typ := range []string{"ORDER_PLACED", "PROCESSING_STARTED", "ITEM_SHIPPED", "ITEM_DELIVERED"} {
		body := fmt.Sprintf(`{"order_id":"PERM-1","event_id":"perm-%d","event_type":%q,"item_name":"Blue Jeans","timestamp":%q}`,
			i, typ, ts.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano))
		if _, err := js.Publish(context.Background(), testTopo.EventSubject("PERM-1"), []byte(body)); err != nil {
			t.Fatalf("publish %s as producer: %v", typ, err)
		}
	}
	waitOutput(t, run.out, 20*time.Second, "Order placed for Blue Jeans", "Processing started for Blue Jeans",
		"Item shipped: Blue Jeans", "Item delivered: Blue Jeans")
	// An SLA timer fires and its breach reaches the webhook (timers and the
	// notifier's consumer work as the ordertrack user too).
	body := fmt.Sprintf(`{"order_id":"PERM-2","event_type":"ORDER_PLACED","item_name":"Socks","timestamp":%q}`,
		time.Now().UTC().Format(time.RFC3339Nano))
	if _, err := js.Publish(context.Background(), testTopo.EventSubject("PERM-2"), []byte(body)); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-hooks:
		if !strings.Contains(b, `"PERM-2"`) || !strings.Contains(b, "SLA_BREACH") {
			t.Errorf("webhook got %s, want PERM-2's SLA_BREACH", b)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no breach of PERM-2 at the webhook within 20s:\n%s", tail(run.errs.String(), 3000))
	}

	for _, cmd := range [][]string{{"get", "PERM-1", "--history"}, {"status"}, {"health"}, {"dlq", "list"}} {
		code, out, errs := runCommand(t, append(cmd, userArgs(s)...)...)
		if code != 0 {
			t.Errorf("%s as the ordertrack user: exit %d\n%s%s", cmd, code, out, errs)
		}
		if cmd[0] == "get" && !strings.Contains(out, "DELIVERED") {
			t.Errorf("get PERM-1: %s", out)
		}
	}
	if code := run.stop(t); code != 0 {
		t.Errorf("run exit %d", code)
	}
	if strings.Contains(run.errs.String(), "denied") || strings.Contains(strings.ToLower(run.errs.String()), "permissions violation") {
		t.Errorf("a permission was denied:\n%s", run.errs.String())
	}
}

// TestRunWithAPermissionMissing removes each grant in turn from the
// ordertrack user: run fails at start, before its banner, naming what was
// denied, within a second or so (not after a request timeout).
func TestRunWithAPermissionMissing(t *testing.T) {
	for _, g := range contract.Grants(contract.Topology{Prefix: "orders", Partitions: 2}) {
		missing := struct{ subject, want string }{g.Subject, fmt.Sprintf("publish to %q", g.Subject)}
		if g.Subscribe {
			missing.want = fmt.Sprintf("subscribe to %q", g.Subject)
		}
		t.Run(missing.subject, func(t *testing.T) {
			s := pipelinetest.RunOptions(t, shippedAccounts(t, func(p *server.Permissions) {
				for _, l := range []*server.SubjectPermission{p.Publish, p.Subscribe} {
					l.Allow = slices.DeleteFunc(l.Allow, func(s string) bool { return s == missing.subject })
					if len(l.Allow) == 0 { // an empty allow list allows everything
						l.Allow = []string{"ordertrack.nothing"}
					}
				}
			}))
			var out, errs pipelinetest.Buffer
			m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errs}
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			code := m.Run(ctx, append(append([]string{"run"}, userArgs(s)...), "--monitor.listen", ""))
			if code != 1 || !strings.Contains(errs.String(), missing.want) || strings.Contains(out.String(), "Starting") {
				t.Fatalf("exit %d after %s, stderr:\n%s\nstdout:\n%s\nwant exit 1 naming %s before the banner",
					code, time.Since(start).Round(time.Millisecond), errs.String(), out.String(), missing.want)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %s to report the denied permission", time.Since(start))
			}
		})
	}
}
