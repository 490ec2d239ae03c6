package httpsource

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
	"github.com/ordertrack/ordertrack/pipeline/order"
)

// Content types of /v1/events: one event, or JSON lines.
const (
	TypeJSON   = "application/json"
	TypeNDJSON = "application/x-ndjson"
)

// events serves POST /v1/events.
func (s *Source) events(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answerError(w, http.StatusMethodNotAllowed, "POST events here")
		return
	}
	lines, ok := contentType(r.Header.Get("Content-Type"))
	if !ok {
		answerError(w, http.StatusUnsupportedMediaType, "send Content-Type: application/json (one event) or application/x-ndjson (JSON lines)")
		return
	}
	tokenPresent, tokenOK := s.tokenOK(r)
	signed := !tokenOK && s.signer != nil && r.Header.Get(HeaderWebhookSignature) != ""
	if (s.token != nil || s.signer != nil) && !tokenOK && !signed {
		err := ErrNoCredentials
		if tokenPresent {
			err = ErrBadToken
		}
		s.unauthorized(w, r, "events", err)
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	now := s.opts.Now()
	webhookID := ""
	if signed {
		id := r.Header.Get(HeaderWebhookID)
		if err := s.signer.Verify(id, r.Header.Get(HeaderWebhookTimestamp), r.Header.Get(HeaderWebhookSignature), body, now); err != nil {
			s.unauthorized(w, r, "events", err)
			return
		}
		webhookID = id
	}
	var recs []record
	if lines {
		recs = s.lineRecords(body, now)
	} else {
		recs = []record{s.eventRecord(bytes.TrimSpace(body), 1, webhookID, now)}
	}
	s.storeAndAnswer(w, r, SourceHTTP, recs)
}

// contentType says whether ct is JSON lines (true) or one event (false);
// ok is false for any other type. No Content-Type is one event.
func contentType(ct string) (lines, ok bool) {
	if ct == "" {
		return false, true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false, false
	}
	switch mt {
	case TypeJSON:
		return false, true
	case TypeNDJSON, "application/jsonl", "application/x-jsonlines":
		return true, true
	}
	return false, false
}

// readBody reads r's body, at most ingest.http.max_body: beyond, it
// answers 413 and returns false.
func (s *Source) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	limit := int64(s.opts.HTTP.MaxBody)
	if r.ContentLength > limit {
		answerError(w, http.StatusRequestEntityTooLarge, "the body is "+strconv.FormatInt(r.ContentLength, 10)+
			" bytes, ingest.http.max_body is "+s.opts.HTTP.MaxBody.String())
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		answerError(w, http.StatusRequestEntityTooLarge, "the body is larger than ingest.http.max_body ("+s.opts.HTTP.MaxBody.String()+")")
		return nil, false
	case err != nil:
		answerError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return nil, false
	}
	return body, true
}

// record is one message to store and how it counts in the answer.
type record struct {
	msg    *nats.Msg
	result string              // ingest.ResultStored or ResultDeadLettered
	line   int                 // from 1
	err    *order.InvalidError // why it is dead-lettered
}

// lineRecords makes a record of each non-blank line of body; lines count
// from 1, blank ones included.
func (s *Source) lineRecords(body []byte, now time.Time) []record {
	var recs []record
	for n := 1; len(body) > 0; n++ {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		recs = append(recs, s.eventRecord(line, n, "", now))
	}
	return recs
}

// eventRecord is the record of one event's bytes: the mapped event on its
// order's subject, or the bytes as a dead letter. Its id is the event's
// own, else webhookID (a signed single event), else http:<SHA-256>.
func (s *Source) eventRecord(line []byte, n int, webhookID string, now time.Time) record {
	id := webhookID
	if id == "" {
		sum := sha256.Sum256(line)
		id = "http:" + hex.EncodeToString(sum[:])
	}
	p, err := s.mapper.Prepare(line, id, now, s.opts.MaxSkew)
	if err == nil {
		m := ingest.EventMsg(s.opts.Topology.EventSubject(p.Event.OrderID), p.Data, p.Event.EventID, true)
		return record{msg: m, result: ingest.ResultStored, line: n}
	}
	inv := asInvalid(err)
	m := s.deadLetter(line, inv, SourceHTTP, id)
	m.Header.Set(contract.HeaderHTTPLine, strconv.Itoa(n))
	return record{msg: m, result: ingest.ResultDeadLettered, line: n, err: inv}
}

// deadLetter is the dead letter of data (SPEC sections 7 and 16): the
// original bytes, the reason, the source; id as its Nats-Msg-Id. Bytes
// past what a NATS message can carry are cut, and the error says so.
func (s *Source) deadLetter(data []byte, inv *order.InvalidError, source, id string) *nats.Msg {
	m := nats.NewMsg(s.opts.Topology.DLQSubject(inv.Reason))
	detail := inv.Detail
	if room := int(s.opts.Conn.MaxPayload()) - 16<<10; room > 0 && len(data) > room {
		detail += " (the dead letter keeps its first " + strconv.Itoa(room) + " of " + strconv.Itoa(len(data)) + " bytes)"
		data = data[:room]
	}
	m.Data = data
	m.Header.Set(contract.HeaderReason, string(inv.Reason))
	m.Header.Set(contract.HeaderError, oneLine(detail))
	m.Header.Set(contract.HeaderSource, source)
	m.Header.Set(jetstream.MsgIDHeader, id)
	return m
}

func asInvalid(err error) *order.InvalidError {
	var inv *order.InvalidError
	if errors.As(err, &inv) {
		return inv
	}
	return &order.InvalidError{Reason: order.ReasonInvalidJSON, Detail: err.Error()}
}

// oneLine makes s fit a header value.
func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}
