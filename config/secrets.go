package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
)

// FileSuffix ends the key of a file holding a secret: nats.password_file
// holds nats.password.
const FileSuffix = "_file"

// SecretKeys are the keys holding a secret. Each has a <key>_file variant
// (nats.password_file, ...) naming a file whose content, without one
// trailing newline, is the secret, so that the secret need not appear in a
// process listing (a flag's value does, to every local user) or in the
// configuration file. A key and its _file set together is an error.
// Each webhook's secret has its secret_file too (webhookSecretKey).
//
// A new secret key gets the same by a field tagged <key>_file beside it
// and a line here. Secret values are never shown: Hash leaves out every
// key listed here and its _file.
var SecretKeys = []string{"ingest.http.secret", "ingest.http.shopify.secret", "ingest.http.token",
	"ingest.kafka.sasl.password", "monitor.auth_token", "nats.password", "nats.token"}

// webhookSecretKey is the secret of each notify.webhooks entry, with its
// secret_file.
const webhookSecretKey = "secret"

// readSecretFiles sets every secret whose _file key is set from that
// file. It reports a secret set both ways, and a file that cannot be read
// or is empty, naming the _file key and the path, never the content.
func (c *Config) readSecretFiles() error {
	var p problems
	byName := fieldsByName()
	v := reflect.ValueOf(c).Elem()
	for _, key := range SecretKeys {
		secret, file := byName[key], byName[key+FileSuffix]
		readSecret(&p, key, v.FieldByIndex(secret.index), v.FieldByIndex(file.index))
	}
	for i := range c.Notify.Webhooks {
		w := reflect.ValueOf(&c.Notify.Webhooks[i]).Elem()
		key := "notify.webhooks[" + strconv.Itoa(i) + "]." + webhookSecretKey
		readSecret(&p, key, w.FieldByName("Secret"), w.FieldByName("SecretFile"))
	}
	return errors.Join(p...)
}

// readSecret sets secret from the file named by file, for key.
func readSecret(p *problems, key string, secret, file reflect.Value) {
	path := file.String()
	if path == "" {
		return
	}
	fileKey := key + FileSuffix
	if secret.String() != "" {
		p.add(fileKey, "%s and %s are both set; set one of them", key, fileKey)
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		p.add(fileKey, "cannot read %s: %v", path, fileError(err))
		return
	}
	s := strings.TrimSuffix(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		p.add(fileKey, "%s is empty; it must hold the secret of %s", path, key)
		return
	}
	secret.SetString(s)
}

// fileError is the reason of a file error without the path and operation
// os adds (the message names the path once, itself).
func fileError(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err
	}
	return fmt.Errorf("%w", err)
}
