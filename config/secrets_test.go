package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretFile writes content into a file of its own and returns its path.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSecretFiles: every secret key has a <key>_file variant, in any
// layer, whose content (without one trailing newline) becomes the secret.
func TestSecretFiles(t *testing.T) {
	tests := []struct {
		name      string
		yaml      func(path string) string
		env       func(path string) []string
		overrides func(path string) map[string]string
		content   string
		get       func(Config) string
		want      string
	}{
		{name: "nats.password_file as a flag", content: "pa55 w0rd\n",
			overrides: func(p string) map[string]string {
				return map[string]string{"nats.user": "ops", "nats.password_file": p}
			},
			get: func(c Config) string { return c.NATS.Password }, want: "pa55 w0rd"},
		{name: "nats.token_file in the environment, CRLF", content: "t0ken\r\n",
			env: func(p string) []string { return []string{"ORDERTRACK_NATS__TOKEN_FILE=" + p} },
			get: func(c Config) string { return c.NATS.Token }, want: "t0ken"},
		{name: "monitor.auth_token_file in the file, no newline", content: "m0nitor",
			yaml: func(p string) string { return "monitor:\n  auth_token_file: " + p + "\n" },
			get:  func(c Config) string { return c.Monitor.AuthToken }, want: "m0nitor"},
		{name: "only one trailing newline goes", content: "two\n\n",
			env: func(p string) []string { return []string{"ORDERTRACK_MONITOR__AUTH_TOKEN_FILE=" + p} },
			get: func(c Config) string { return c.Monitor.AuthToken }, want: "two\n"},
		{name: "a webhook's secret_file", content: "h00k\n",
			yaml: func(p string) string {
				return "notify:\n  webhooks:\n    - name: ops\n      url: https://hooks.example.com/x\n      secret_file: " + p + "\n"
			},
			get: func(c Config) string { return c.Notify.Webhooks[0].Secret }, want: "h00k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := secretFile(t, tt.content)
			var file string
			var env []string
			var over map[string]string
			if tt.yaml != nil {
				file = writeFile(t, tt.yaml(path))
			}
			if tt.env != nil {
				env = tt.env(path)
			}
			if tt.overrides != nil {
				over = tt.overrides(path)
			}
			c, err := Load(file, env, over)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.get(c); got != tt.want {
				t.Errorf("secret = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSecretFileErrors: a key and its _file both set, an unreadable or
// empty file fail naming the key (and the path), never the content.
func TestSecretFileErrors(t *testing.T) {
	const secret = "n0tInErr0rs"
	readable := secretFile(t, secret+"\n")
	empty := secretFile(t, "\n")
	missing := filepath.Join(t.TempDir(), "nope")
	dir := t.TempDir()
	tests := []struct {
		name      string
		yaml      string
		overrides map[string]string
		want      string
	}{
		{"key and _file both set", "", map[string]string{"monitor.auth_token": secret, "monitor.auth_token_file": readable},
			`config key "monitor.auth_token_file": monitor.auth_token and monitor.auth_token_file are both set; set one of them`},
		{"token and token_file", "", map[string]string{"nats.token": secret, "nats.token_file": readable},
			`config key "nats.token_file": nats.token and nats.token_file are both set`},
		{"missing file", "", map[string]string{"nats.user": "ops", "nats.password_file": missing},
			`config key "nats.password_file": cannot read ` + missing + `: no such file or directory`},
		{"a directory", "", map[string]string{"monitor.auth_token_file": dir},
			`config key "monitor.auth_token_file": cannot read ` + dir},
		{"empty file", "", map[string]string{"nats.token_file": empty},
			`config key "nats.token_file": ` + empty + ` is empty`},
		{"webhook secret and secret_file", "notify:\n  webhooks:\n    - name: ops\n      url: https://hooks.example.com/x\n      secret: " + secret + "\n      secret_file: " + readable + "\n", nil,
			`config key "notify.webhooks[0].secret_file": notify.webhooks[0].secret and notify.webhooks[0].secret_file are both set`},
		{"webhook secret_file missing", "notify:\n  webhooks:\n    - name: ops\n      url: https://hooks.example.com/x\n      secret_file: " + missing + "\n", nil,
			`config key "notify.webhooks[0].secret_file": cannot read ` + missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var file string
			if tt.yaml != "" {
				file = writeFile(t, tt.yaml)
			}
			_, err := Load(file, nil, tt.overrides)
			if err == nil {
				t.Fatal("Load = nil error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidValue) {
				t.Errorf("errors.Is(%v, ErrInvalidValue) = false", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the secret: %q", err)
			}
		})
	}
}
