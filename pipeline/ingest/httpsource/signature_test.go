package httpsource_test

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/ingest/httpsource"
)

// TestVerifyStandardWebhooks: the example of the Standard Webhooks
// specification verifies; each altered part does not, with its reason.
func TestVerifyStandardWebhooks(t *testing.T) {
	s, err := httpsource.NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	const id, ts = "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330"
	body := []byte(`{"test": 2432232314}`)
	sig := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	now := time.Unix(1614265330, 0)
	for _, tt := range []struct {
		name         string
		id, ts, sigs string
		body         string
		at           time.Time
		want         error
	}{
		{"the specification's example", id, ts, sig, string(body), now, nil},
		{"4:59 later", id, ts, sig, string(body), now.Add(5*time.Minute - time.Second), nil},
		{"among others", id, ts, "v1a,xyz v1,bm90IGl0 " + sig, string(body), now, nil},
		{"5:01 later", id, ts, sig, string(body), now.Add(5*time.Minute + time.Second), httpsource.ErrStaleSignature},
		{"5:01 earlier", id, ts, sig, string(body), now.Add(-5*time.Minute - time.Second), httpsource.ErrStaleSignature},
		{"other body", id, ts, sig, `{"test": 2432232315}`, now, httpsource.ErrBadSignature},
		{"other id", id + "x", ts, sig, string(body), now, httpsource.ErrBadSignature},
		{"timestamp not a number", id, "1614265330.5", sig, string(body), now, httpsource.ErrBadSignature},
		{"no id", "", ts, sig, string(body), now, httpsource.ErrNoSignature},
		{"no signature", id, ts, "", string(body), now, httpsource.ErrNoSignature},
	} {
		if err := s.Verify(tt.id, tt.ts, tt.sigs, []byte(tt.body), tt.at); !errors.Is(err, tt.want) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}
	if got := s.Sign(id, now, body); got != sig {
		t.Errorf("Sign = %s, want %s", got, sig)
	}
}

// TestNewSignerHidesSecret: a bad secret fails without quoting it.
func TestNewSignerHidesSecret(t *testing.T) {
	for _, secret := range []string{"", "whsec_=", "whsec_not base64!", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} {
		_, err := httpsource.NewSigner(secret)
		if !errors.Is(err, httpsource.ErrBadSecret) || (secret != "" && strings.Contains(err.Error(), secret)) {
			t.Errorf("NewSigner(%q) = %v, want ErrBadSecret not quoting it", secret, err)
		}
	}
}

// FuzzParseSignatures: any header parses without panic into at most 16
// HMAC-sized signatures, each the base64 of a v1 entry.
func FuzzParseSignatures(f *testing.F) {
	f.Add("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	f.Add("v1a,xyz v1,bm90IGl0  v2,abc v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	f.Add(strings.Repeat("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= ", 20))
	f.Fuzz(func(t *testing.T, header string) {
		sigs := httpsource.ParseSignatures(header)
		if len(sigs) > 16 {
			t.Fatalf("%d signatures", len(sigs))
		}
		for _, s := range sigs {
			if len(s) != 32 || !strings.Contains(header, "v1,"+base64.StdEncoding.EncodeToString(s)[:40]) {
				t.Fatalf("signature %x not from %q", s, header)
			}
		}
	})
}

// FuzzParseTimestamp: a timestamp parses only from digits, to the Unix
// second they write.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"1614265330", "", "-1", "1e9", " 1", "999999999999", "0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := httpsource.ParseTimestamp(s)
		if err != nil {
			return
		}
		if strings.Trim(s, "0123456789") != "" || strconv.FormatInt(ts.Unix(), 10) != strings.TrimLeft(s, "0") && ts.Unix() != 0 {
			t.Fatalf("%q parsed as %d", s, ts.Unix())
		}
	})
}
