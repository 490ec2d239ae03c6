package broker

import (
	"regexp"
	"strings"
)

// userinfo matches the user[:password]@ part of every URL in a text.
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^@/\s"'<>,]+)@`)

// Redact returns s, a URL, a comma-separated URL list or any text quoting
// URLs (an error message), with the secret in each URL's userinfo replaced
// by xxxxx: "nats://u:pw@h" becomes "nats://u:xxxxx@h" and a lone user or
// token "nats://tok@h" becomes "nats://xxxxx@h", as nats.go's
// ConnectedUrlRedacted does. It is the one place ordertrack redacts: every
// URL shown or logged goes through it.
func Redact(s string) string {
	return userinfo.ReplaceAllStringFunc(s, func(m string) string {
		sub := userinfo.FindStringSubmatch(m)
		scheme, info := sub[1], sub[2]
		if user, _, ok := strings.Cut(info, ":"); ok {
			return scheme + user + ":xxxxx@"
		}
		return scheme + "xxxxx@"
	})
}

// redactedError is err with Redact applied to its message; errors.Is and
// errors.As still see err.
type redactedError struct{ err error }

func (e redactedError) Error() string { return Redact(e.err.Error()) }
func (e redactedError) Unwrap() error { return e.err }

// RedactError returns err with every URL secret in its message redacted
// (nil stays nil).
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{err}
}
