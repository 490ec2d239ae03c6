package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Verify reports whether header, the X-Shopify-Hmac-Sha256 of a webhook,
// is the base64 HMAC-SHA256 of body keyed with secret (the app's webhook
// signing secret, used as it is). The comparison is constant-time.
func Verify(secret, body []byte, header string) bool {
	if len(secret) == 0 {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the X-Shopify-Hmac-Sha256 of body keyed with secret, as
// Shopify computes it (for tests and tools that act as Shopify).
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
