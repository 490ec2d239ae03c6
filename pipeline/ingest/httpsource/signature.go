package httpsource

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ordertrack/ordertrack/config"
)

// SignatureTolerance is how far a webhook-timestamp may be from the
// server's clock (either way), as in the Standard Webhooks reference
// verifier.
const SignatureTolerance = 5 * time.Minute

// Standard Webhooks headers.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// maxSignatures bounds how many signatures of one header are checked.
const maxSignatures = 16

// Signer checks (and, for tests and tools, makes) Standard Webhooks
// signatures: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"> keyed
// with the secret after whsec_, base64-decoded.
type Signer struct {
	key []byte
}

// NewSigner returns the Signer of secret (whsec_<base64>). The error never
// quotes the secret.
func NewSigner(secret string) (*Signer, error) {
	b64, ok := strings.CutPrefix(secret, config.WebhookSecretPrefix)
	key, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: want whsec_ followed by base64", ErrBadSecret)
	}
	return &Signer{key: key}, nil
}

// Sign returns the webhook-signature header of id, ts and body.
func (s *Signer) Sign(id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(s.mac(id, strconv.FormatInt(ts.Unix(), 10), body))
}

func (s *Signer) mac(id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a request's Standard Webhooks headers against body at now:
// the id present, the timestamp within SignatureTolerance, and one of the
// space-separated v1 signatures (several during a key rotation) the HMAC
// of the body, compared in constant time. The error says which check
// failed, never a signature or the secret.
func (s *Signer) Verify(id, timestamp, signatures string, body []byte, now time.Time) error {
	if id == "" || timestamp == "" || signatures == "" {
		return ErrNoSignature
	}
	ts, err := ParseTimestamp(timestamp)
	if err != nil {
		return err
	}
	if d := now.Sub(ts); d > SignatureTolerance || d < -SignatureTolerance {
		return fmt.Errorf("%w: %s from now", ErrStaleSignature, d.Round(time.Second))
	}
	want := s.mac(id, timestamp, body)
	for _, sig := range ParseSignatures(signatures) {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return ErrBadSignature
}

// ParseTimestamp reads a webhook-timestamp: Unix seconds, digits only.
func ParseTimestamp(s string) (time.Time, error) {
	if s == "" || len(s) > 12 || strings.Trim(s, "0123456789") != "" {
		return time.Time{}, fmt.Errorf("%w: webhook-timestamp must be Unix seconds", ErrBadSignature)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: webhook-timestamp must be Unix seconds", ErrBadSignature)
	}
	return time.Unix(n, 0), nil
}

// ParseSignatures returns the HMACs of a webhook-signature header's v1
// entries ("v1,<base64>" separated by spaces), at most maxSignatures of
// them; entries of other versions or not base64 are skipped.
func ParseSignatures(header string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(header) {
		if len(out) == maxSignatures {
			break
		}
		b64, ok := strings.CutPrefix(f, "v1,")
		if !ok {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(sig) != sha256.Size {
			continue
		}
		out = append(out, sig)
	}
	return out
}
