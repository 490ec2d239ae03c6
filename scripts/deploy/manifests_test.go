package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ordertrack/ordertrack/config"
	"github.com/ordertrack/ordertrack/pipeline/pipelinetest"
)

// k8sObject is what the tests read of a Kubernetes object.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas       int `yaml:"replicas"`
		MaxUnavailable int `yaml:"maxUnavailable"`
		Selector       struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	SecurityContext struct {
		RunAsNonRoot bool `yaml:"runAsNonRoot"`
	} `yaml:"securityContext"`
	Containers []struct {
		Image   string   `yaml:"image"`
		Command []string `yaml:"command"`
		Args    []string `yaml:"args"`
		Env     []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom struct {
				FieldRef struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
				SecretKeyRef *struct {
					Name string `yaml:"name"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		EnvFrom []struct {
			SecretRef struct {
				Name string `yaml:"name"`
			} `yaml:"secretRef"`
		} `yaml:"envFrom"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		StartupProbe   *probe `yaml:"startupProbe"`
		Resources      struct {
			Limits map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		Security struct {
			ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			SubPath   string `yaml:"subPath"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
		Secret *struct {
			SecretName string `yaml:"secretName"`
			Items      []struct {
				Key  string `yaml:"key"`
				Path string `yaml:"path"`
			} `yaml:"items"`
		} `yaml:"secret"`
	} `yaml:"volumes"`
}

type probe struct {
	HTTPGet struct {
		Path        string           `yaml:"path"`
		Port        string           `yaml:"port"`
		HTTPHeaders []map[string]any `yaml:"httpHeaders"`
	} `yaml:"httpGet"`
}

// manifests reads every document of kubernetes/ordertrack.yaml by kind.
func manifests(t *testing.T) map[string]k8sObject {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(read(t, "kubernetes/ordertrack.yaml"))))
	out := map[string]k8sObject{}
	for {
		var o k8sObject
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("kubernetes/ordertrack.yaml: %v", err)
		}
		if _, dup := out[o.Kind]; dup || o.Kind == "" || o.Metadata.Name == "" {
			t.Fatalf("kubernetes/ordertrack.yaml: a second %q or an object without kind or name", o.Kind)
		}
		out[o.Kind] = o
	}
}

// TestKubernetesManifests checks that the objects exist and fit together:
// probes on /readyz and /healthz at the monitor's port, the ConfigMap and
// Secret the Deployment uses, a PodDisruptionBudget selecting its pods,
// a locked-down container.
func TestKubernetesManifests(t *testing.T) {
	m := manifests(t)
	for _, kind := range []string{"ServiceAccount", "ConfigMap", "Secret", "Deployment", "PodDisruptionBudget", "Service"} {
		if _, ok := m[kind]; !ok {
			t.Fatalf("no %s in kubernetes/ordertrack.yaml", kind)
		}
	}
	d := m["Deployment"]
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 || d.Spec.Replicas < 2 {
		t.Fatalf("deployment: %d containers, %d replicas; want 1 container, 2 or more replicas", len(pod.Containers), d.Spec.Replicas)
	}
	c := pod.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" || c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("probes: readiness %+v, liveness %+v; want /readyz and /healthz", c.ReadinessProbe, c.LivenessProbe)
	}
	if len(c.Ports) != 2 || c.ReadinessProbe.HTTPGet.Port != c.Ports[0].Name || c.LivenessProbe.HTTPGet.Port != c.Ports[0].Name ||
		c.Ports[1].Name != "ingest" || c.Ports[1].ContainerPort != 8080 {
		t.Errorf("ports %+v: want the probes on the first (monitor) and ingest 8080", c.Ports)
	}
	if !slices.Equal(c.Args, []string{"run", "--config", "/etc/ordertrack/config/config.yaml"}) {
		t.Errorf("args %q", c.Args)
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef.Name != m["Secret"].Metadata.Name {
		t.Errorf("envFrom %+v does not use the Secret %s", c.EnvFrom, m["Secret"].Metadata.Name)
	}
	if len(c.Env) == 0 || c.Env[0].Name != "ORDERTRACK_INSTANCE__NAME" || c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("env %+v; want instance.name from the pod name", c.Env)
	}
	if !pod.SecurityContext.RunAsNonRoot || !c.Security.ReadOnlyRootFilesystem ||
		c.Security.AllowPrivilegeEscalation == nil || *c.Security.AllowPrivilegeEscalation {
		t.Errorf("container not locked down: %+v, pod %+v", c.Security, pod.SecurityContext)
	}
	var configMapped bool
	for _, v := range pod.Volumes {
		configMapped = configMapped || v.ConfigMap != nil && v.ConfigMap.Name == m["ConfigMap"].Metadata.Name
	}
	if !configMapped {
		t.Errorf("no volume of the ConfigMap %s", m["ConfigMap"].Metadata.Name)
	}
	labels := d.Spec.Template.Metadata.Labels
	for _, kind := range []string{"Deployment", "PodDisruptionBudget"} {
		for k, v := range m[kind].Spec.Selector.MatchLabels {
			if labels[k] != v {
				t.Errorf("%s selects %s=%s, the pods have %q", kind, k, v, labels[k])
			}
		}
	}
	if m["PodDisruptionBudget"].Spec.MaxUnavailable != 1 {
		t.Errorf("PodDisruptionBudget maxUnavailable %d, want 1", m["PodDisruptionBudget"].Spec.MaxUnavailable)
	}
}

// mountedFile says whether path is a file the pod's volume mounts provide.
func mountedFile(m map[string]k8sObject, path string) bool {
	pod := m["Deployment"].Spec.Template.Spec
	for _, vm := range pod.Containers[0].VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name != vm.Name || v.Secret == nil {
				continue
			}
			for _, it := range v.Secret.Items {
				if filepath.Join(vm.MountPath, it.Path) == path {
					return true
				}
			}
		}
	}
	return false
}

// TestConfigsLoad loads each shipped ordertrack configuration with package
// config, as `ordertrack health --config FILE` and `run --config FILE` do,
// with the environment the deployment gives it (the Secret's values, the
// compose environment), and checks the cluster settings.
func TestConfigsLoad(t *testing.T) {
	m := manifests(t)
	cm := filepath.Join(t.TempDir(), "config.yaml")
	write(t, cm, m["ConfigMap"].Data["config.yaml"])
	secretEnv := func(vals map[string]string) []string {
		var env []string
		for k, v := range vals {
			env = append(env, k+"="+v)
		}
		return env
	}
	compose := composeFile(t)
	tests := []struct {
		name, file string
		env        []string
		hosts      int
	}{
		{"config.yaml (systemd)", "config.yaml", []string{"ORDERTRACK_NATS__PASSWORD=pw", "ORDERTRACK_MONITOR__AUTH_TOKEN=tok"}, 3},
		{"ConfigMap config.yaml", cm, append(secretEnv(m["Secret"].StringData), "ORDERTRACK_INSTANCE__NAME=ordertrack-7d9f-x2"), 1},
		{"compose/ordertrack/config.yaml", "compose/ordertrack/config.yaml", secretEnv(compose.Services["ordertrack-1"].Environment), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(tt.file, tt.env, nil)
			if err != nil {
				t.Fatalf("load %s: %v", tt.name, err)
			}
			n := cfg.NATS
			if n.URL == "" || strings.Count(n.URL, ",")+1 != tt.hosts || n.User != "ordertrack" || n.Password == "" || n.Replicas != 3 {
				t.Errorf("nats: url %q (want %d hosts), user %q, password set %v, replicas %d; want the ordertrack user, replicas 3",
					n.URL, tt.hosts, n.User, n.Password != "", n.Replicas)
			}
			if cfg.GeneratorOn() || cfg.Monitor.AuthToken == "" || !strings.HasSuffix(cfg.Monitor.Listen, ":9090") {
				t.Errorf("generator on %v, monitor %q with token %v; want no demo data, :9090 behind a token",
					cfg.GeneratorOn(), cfg.Monitor.Listen, cfg.Monitor.AuthToken != "")
			}
			if h := cfg.Ingest.HTTP; tt.file != "config.yaml" && (h.Listen != "0.0.0.0:8080" || h.Token == "") {
				t.Errorf("ingest.http.listen %q with token %v; want 0.0.0.0:8080 behind a token", h.Listen, h.Token != "")
			}
			if tt.file == cm && cfg.Instance.Name != "ordertrack-7d9f-x2" {
				t.Errorf("instance.name %q, want the pod name", cfg.Instance.Name)
			}
			if tt.file == cm && !mountedFile(m, n.TLS.CA) {
				t.Errorf("nats.tls.ca %s is not a file the Deployment mounts", n.TLS.CA)
			}
			if _, err := config.Load(tt.file, nil, nil); err == nil || !strings.Contains(err.Error(), "monitor.") {
				t.Errorf("without the secrets: %v; want a failure naming the monitor key", err)
			}
		})
	}
}

// TestHelmValues checks the values for the official nats chart: a 3-node
// cluster with JetStream and TLS, and the users of accounts.conf with the
// very same permissions, their passwords from a Secret.
func TestHelmValues(t *testing.T) {
	var v struct {
		Config struct {
			Cluster struct {
				Enabled  bool `yaml:"enabled"`
				Replicas int  `yaml:"replicas"`
				TLS      struct {
					Enabled bool `yaml:"enabled"`
				} `yaml:"tls"`
			} `yaml:"cluster"`
			JetStream struct {
				Enabled bool `yaml:"enabled"`
			} `yaml:"jetstream"`
			NATS struct {
				TLS struct {
					Enabled bool `yaml:"enabled"`
				} `yaml:"tls"`
			} `yaml:"nats"`
			Merge struct {
				SystemAccount string `yaml:"system_account"`
				Accounts      map[string]struct {
					Users []struct {
						User        string `yaml:"user"`
						Password    string `yaml:"password"`
						Permissions *struct {
							Publish   struct{ Allow []string } `yaml:"publish"`
							Subscribe struct{ Allow []string } `yaml:"subscribe"`
						} `yaml:"permissions"`
					} `yaml:"users"`
				} `yaml:"accounts"`
			} `yaml:"merge"`
		} `yaml:"config"`
		Container struct {
			Env map[string]any `yaml:"env"`
		} `yaml:"container"`
	}
	if err := yaml.Unmarshal([]byte(read(t, "kubernetes/nats-values.yaml")), &v); err != nil {
		t.Fatalf("kubernetes/nats-values.yaml: %v", err)
	}
	c := v.Config
	if !c.Cluster.Enabled || c.Cluster.Replicas != 3 || !c.Cluster.TLS.Enabled || !c.JetStream.Enabled || !c.NATS.TLS.Enabled {
		t.Errorf("chart values: %+v; want a 3-node cluster, JetStream, TLS for clients and routes", c)
	}
	setNATSEnv(t, "nats-1")
	o := pipelinetest.ConfigFileOptions(t, "nats/accounts.conf")
	shipped := map[string]string{}
	for _, u := range o.Users {
		p := "full access"
		if u.Permissions != nil {
			p = grantsText(u.Permissions.Publish.Allow, u.Permissions.Subscribe.Allow)
		}
		shipped[u.Account.Name+"/"+u.Username] = p
	}
	values := map[string]string{}
	variable := regexp.MustCompile(`^<< \$([A-Z_]+) >>$`)
	for acc, a := range c.Merge.Accounts {
		for _, u := range a.Users {
			p := "full access"
			if u.Permissions != nil {
				p = grantsText(u.Permissions.Publish.Allow, u.Permissions.Subscribe.Allow)
			}
			values[acc+"/"+u.User] = p
			m := variable.FindStringSubmatch(u.Password)
			if m == nil || v.Container.Env[m[1]] == nil {
				t.Errorf("%s/%s: password %q is not a << $VAR >> set in container.env", acc, u.User, u.Password)
			}
		}
	}
	for k, want := range shipped {
		if values[k] != want {
			t.Errorf("user %s: the Helm values grant\n%s\n\nbut accounts.conf grants\n%s", k, values[k], want)
		}
	}
	if len(values) != len(shipped) || c.Merge.SystemAccount != o.SystemAccount {
		t.Errorf("users %v, system account %q; accounts.conf has %d users, system account %q",
			slices.Sorted(mapKeys(values)), c.Merge.SystemAccount, len(shipped), o.SystemAccount)
	}
}

// grantsText writes permissions one per line, sorted, to compare them as sets.
func grantsText(pub, sub []string) string {
	var lines []string
	for _, p := range pub {
		lines = append(lines, "publish "+p)
	}
	for _, s := range sub {
		lines = append(lines, "subscribe "+s)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// composeSpec is what the tests read of compose.yaml.
type composeSpec struct {
	Services map[string]struct {
		Image       string                                `yaml:"image"`
		Build       *struct{ Context, Dockerfile string } `yaml:"build"`
		Command     []string                              `yaml:"command"`
		Environment map[string]string                     `yaml:"environment"`
		Volumes     []string                              `yaml:"volumes"`
		Ports       []string                              `yaml:"ports"`
	} `yaml:"services"`
}

func composeFile(t *testing.T) composeSpec {
	t.Helper()
	var c composeSpec
	if err := yaml.Unmarshal([]byte(read(t, "compose/compose.yaml")), &c); err != nil {
		t.Fatalf("compose/compose.yaml: %v", err)
	}
	return c
}

// TestCompose checks the local cluster: three NATS nodes named as the
// routes of compose/nats.conf expect, every variable of accounts.conf set,
// two ordertrack instances built from the Dockerfile with the ordertrack
// user's password, and every mounted file present.
func TestCompose(t *testing.T) {
	c := composeFile(t)
	var instances []string
	for name, s := range c.Services {
		for _, vol := range s.Volumes {
			host, _, _ := strings.Cut(vol, ":")
			if strings.HasPrefix(host, ".") {
				if _, err := os.Stat(filepath.Join("compose", host)); err != nil {
					t.Errorf("%s mounts %s: %v", name, host, err)
				}
			}
		}
		switch {
		case strings.HasPrefix(name, "nats-"):
			if s.Environment["NATS_SERVER_NAME"] != name || !slices.Contains(s.Command, "/etc/nats/compose/nats.conf") {
				t.Errorf("%s: server name %q, command %q", name, s.Environment["NATS_SERVER_NAME"], s.Command)
			}
			for k := range natsEnv {
				if s.Environment[k] == "" {
					t.Errorf("%s: %s unset (accounts.conf reads it)", name, k)
				}
			}
		case strings.HasPrefix(name, "ordertrack-"):
			instances = append(instances, name)
			for _, vol := range s.Volumes {
				host, _, _ := strings.Cut(vol, ":")
				if fi, err := os.Stat(filepath.Join("compose", host)); err == nil && !fi.IsDir() {
					t.Errorf("%s bind-mounts the file %s: an edit saved by rename never reaches the container; mount its directory", name, host)
				}
			}
			if s.Environment["ORDERTRACK_INSTANCE__NAME"] != name {
				t.Errorf("%s: instance.name %q", name, s.Environment["ORDERTRACK_INSTANCE__NAME"])
			}
			if s.Environment["ORDERTRACK_NATS__PASSWORD"] != c.Services["nats-1"].Environment["ORDERTRACK_PASSWORD"] {
				t.Errorf("%s: its NATS password is not the ordertrack user's", name)
			}
			if s.Build == nil || s.Build.Dockerfile != "scripts/deploy/Dockerfile" {
				t.Fatalf("%s: build %+v", name, s.Build)
			}
			if _, err := os.Stat(filepath.Join("compose", s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if _, err := os.Stat(filepath.Join("compose", s.Build.Context, "go.mod")); err != nil {
				t.Errorf("%s: build context is not the repository root: %v", name, err)
			}
		}
	}
	for _, n := range []string{"nats-1", "nats-2", "nats-3"} {
		if _, ok := c.Services[n]; !ok {
			t.Errorf("no service %s", n)
		}
	}
	if len(instances) != 2 {
		t.Errorf("ordertrack instances %v, want 2", instances)
	}
}

// TestConfigMountedAsDirectory checks that the ConfigMap and Secrets are
// mounted as directories: a subPath mount is a copy the kubelet never
// updates, so an edited ConfigMap would not reach the pod and the live
// reload could not run. --config names a file of the ConfigMap's mount.
func TestConfigMountedAsDirectory(t *testing.T) {
	m := manifests(t)
	pod := m["Deployment"].Spec.Template.Spec
	c := pod.Containers[0]
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v.ConfigMap != nil && v.ConfigMap.Name == m["ConfigMap"].Metadata.Name
	}
	config := c.Args[slices.Index(c.Args, "--config")+1]
	var found bool
	for _, vm := range c.VolumeMounts {
		if vm.SubPath != "" {
			t.Errorf("volume %s is mounted with subPath %s: its updates never reach the pod", vm.Name, vm.SubPath)
		}
		if !volumes[vm.Name] {
			continue
		}
		for key := range m["ConfigMap"].Data {
			found = found || config == filepath.Join(vm.MountPath, key)
		}
	}
	if !found {
		t.Errorf("--config %s is not a key of the ConfigMap's mount %+v", config, c.VolumeMounts)
	}
}

// TestMemoryLimit checks that the Go runtime knows the container's memory
// limit: GOMEMLIMIT set, below limits.memory, leaving 10 to 20 % of it for
// what the Go heap does not count (stacks, the runtime, fragmentation).
func TestMemoryLimit(t *testing.T) {
	c := manifests(t)["Deployment"].Spec.Template.Spec.Containers[0]
	limit, err := quantityBytes(c.Resources.Limits["memory"])
	if err != nil {
		t.Fatalf("limits.memory: %v", err)
	}
	var soft int64 = -1
	for _, e := range c.Env {
		if e.Name == "GOMEMLIMIT" {
			if soft, err = goMemLimitBytes(e.Value); err != nil {
				t.Fatalf("GOMEMLIMIT: %v", err)
			}
		}
	}
	if soft < 0 {
		t.Fatalf("no GOMEMLIMIT in the container's env: the heap may double past limits.memory %s while orders load", c.Resources.Limits["memory"])
	}
	if r := float64(soft) / float64(limit); r < 0.8 || r > 0.9 {
		t.Errorf("GOMEMLIMIT %d B is %.0f %% of limits.memory %d B; want 80-90 %%", soft, r*100, limit)
	}
}

// quantityBytes reads a Kubernetes memory quantity (512Mi, 1G, 1048576).
func quantityBytes(q string) (int64, error) {
	return unitBytes(q, map[string]int64{"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30})
}

// goMemLimitBytes reads GOMEMLIMIT as the Go runtime does (448MiB, 1GiB,
// 469762048).
func goMemLimitBytes(v string) (int64, error) {
	return unitBytes(v, map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30})
}

func unitBytes(v string, units map[string]int64) (int64, error) {
	i := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(v)
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	mult, ok := units[v[i:]]
	if err != nil || !ok {
		return 0, fmt.Errorf("%q is not a whole number with a unit of %v", v, slices.Sorted(maps.Keys(units)))
	}
	return n * mult, nil
}

// secretKeys are the configuration keys that hold a secret.
var secretKeys = []string{"nats.password", "nats.token", "monitor.auth_token"}

// secretOnCommandLine returns the argument that sets a secret key, if any:
// any local user reads a command line in /proc/<pid>/cmdline.
func secretOnCommandLine(args []string) string {
	for _, a := range args {
		for _, k := range secretKeys {
			if a == "--"+k || strings.HasPrefix(a, "--"+k+"=") {
				return a
			}
		}
	}
	return ""
}

// TestSecretsNotOnCommandLine checks that the shipped deployments pass no
// secret as an argument, and that the pod gets its secrets only from a
// Secret: none in the ConfigMap, none as a literal env value.
func TestSecretsNotOnCommandLine(t *testing.T) {
	m := manifests(t)
	c := m["Deployment"].Spec.Template.Spec.Containers[0]
	if a := secretOnCommandLine(append(c.Command, c.Args...)); a != "" {
		t.Errorf("the Deployment passes %s as an argument", a)
	}
	envName := func(key string) string {
		return "ORDERTRACK_" + strings.ToUpper(strings.ReplaceAll(key, ".", "__"))
	}
	for _, e := range c.Env {
		for _, k := range secretKeys {
			if e.Name == envName(k) && e.ValueFrom.SecretKeyRef == nil {
				t.Errorf("env %s is not taken from a Secret", e.Name)
			}
		}
	}
	for _, k := range []string{"nats.password", "monitor.auth_token"} {
		if m["Secret"].StringData[envName(k)] == "" {
			t.Errorf("the Secret has no %s (%s)", envName(k), k)
		}
	}
	var file map[string]map[string]any
	if err := yaml.Unmarshal([]byte(m["ConfigMap"].Data["config.yaml"]), &file); err != nil {
		t.Fatalf("ConfigMap config.yaml: %v", err)
	}
	for _, k := range secretKeys {
		section, key, _ := strings.Cut(k, ".")
		if v, ok := file[section][key]; ok {
			t.Errorf("the ConfigMap sets %s (%T): a secret belongs in the Secret", k, v)
		}
	}
	for name, s := range composeFile(t).Services {
		if a := secretOnCommandLine(s.Command); a != "" {
			t.Errorf("compose service %s passes %s as an argument", name, a)
		}
	}
	for _, line := range parseUnit(t, read(t, "systemd/ordertrack.service"))["Service"]["ExecStart"] {
		if a := secretOnCommandLine(strings.Fields(line)); a != "" {
			t.Errorf("the systemd unit passes %s as an argument", a)
		}
	}
}

// TestProbesNeedNoToken checks that every probe is one of the two paths the
// monitor serves without monitor.auth_token, with no header to carry it.
func TestProbesNeedNoToken(t *testing.T) {
	c := manifests(t)["Deployment"].Spec.Template.Spec.Containers[0]
	for name, p := range map[string]*probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe, "startup": c.StartupProbe} {
		if p == nil {
			t.Errorf("no %s probe", name)
			continue
		}
		if path := p.HTTPGet.Path; path != "/healthz" && path != "/readyz" || len(p.HTTPGet.HTTPHeaders) != 0 {
			t.Errorf("%s probe: GET %s with headers %v; want /healthz or /readyz, no headers", name, path, p.HTTPGet.HTTPHeaders)
		}
	}
}

// TestKustomization checks that kustomization.yaml applies ordertrack.yaml
// and sets the image of its Deployment, and, where kubectl is installed,
// that `kubectl kustomize` renders the Deployment with that image.
func TestKustomization(t *testing.T) {
	var k struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
		} `yaml:"images"`
	}
	if err := yaml.Unmarshal([]byte(read(t, "kubernetes/kustomization.yaml")), &k); err != nil {
		t.Fatalf("kubernetes/kustomization.yaml: %v", err)
	}
	image := manifests(t)["Deployment"].Spec.Template.Spec.Containers[0].Image
	if !slices.Equal(k.Resources, []string{"ordertrack.yaml"}) || len(k.Images) != 1 || k.Images[0].Name != image {
		t.Fatalf("kustomization: resources %v, images %+v; want ordertrack.yaml and the Deployment's image %q", k.Resources, k.Images, image)
	}
	want := k.Images[0].NewName + ":" + k.Images[0].NewTag
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Logf("kubectl not installed: kustomization.yaml parsed, not rendered")
		return
	}
	out, err := exec.Command(kubectl, "kustomize", "kubernetes").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "image: "+want+"\n") {
		t.Errorf("kubectl kustomize does not set the image %s:\n%s", want, out)
	}
}
