package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/ordertrack/ordertrack/pipeline/order"
)

// apiTimeout bounds the NATS requests of one API call.
const apiTimeout = 10 * time.Second

// routes registers the dashboard and its JSON APIs.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { s.page(w, http.StatusOK) })
	mux.HandleFunc("GET /api/status", s.apiStatus)
	mux.HandleFunc("GET /api/rates", s.apiRates)
	mux.HandleFunc("GET /api/orders/{id}", s.apiOrder)
	mux.HandleFunc("GET /api/attainment", s.apiAttainment)
	mux.HandleFunc("GET /api/at-risk", s.apiAtRisk)
	mux.HandleFunc("GET /api/predictions", s.apiPredictions)
	mux.HandleFunc("GET /api/events", s.events)
}

// apiStatus serves the last status the sampler computed (at most
// StatusEvery old), or computes one when none is there yet.
func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) {
	st, ok := s.sampler.last()
	if !ok {
		ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
		defer cancel()
		var err error
		if st, err = s.sampler.once(ctx); err != nil {
			writeError(w, http.StatusServiceUnavailable, err.Error())
			return
		}
	}
	if s.orders != nil {
		s.orders.showCounts(&st)
	}
	writeJSON(w, st)
}

// apiRates serves the input and processing rates of the last minutes.
func (s *Server) apiRates(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.sampler.rates())
}

// apiOrder serves one order's story with its history (?history=false
// leaves it out).
func (s *Server) apiOrder(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !order.ValidOrderID(id) {
		writeError(w, http.StatusBadRequest, "order id must be 1-128 letters, digits, '-' or '_'")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
	defer cancel()
	v, err := s.stories().Story(ctx, id, r.URL.Query().Get("history") != "false")
	switch {
	case errors.Is(err, ErrOrderNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		writeJSON(w, v)
	}
}

// AttainmentView is the body of /api/attainment: the attainment of the
// orders in the ORDERS bucket, kept by the read model.
type AttainmentView struct {
	order.Attainment
	// ScannedAt is when the views were last known current: now while the
	// read model follows the bucket.
	ScannedAt time.Time `json:"scanned_at"`
}

// notRead answers 503 while the read model has not read the bucket once.
func notRead(w http.ResponseWriter) {
	writeError(w, http.StatusServiceUnavailable, "the first read of the ORDERS bucket has not finished yet")
}

// apiAttainment serves the attainment ?by=tenant (default),
// sla, rule or service_level.
func (s *Server) apiAttainment(w http.ResponseWriter, r *http.Request) {
	by := order.Grouping(r.URL.Query().Get("by"))
	if by == "" {
		by = order.ByTenant
	}
	if !slices.Contains(order.Groupings, by) {
		writeError(w, http.StatusBadRequest, "by must be sla, tenant, rule or service_level")
		return
	}
	if s.orders == nil {
		notRead(w)
		return
	}
	v, ok := s.orders.Attainment(by)
	if !ok {
		notRead(w)
		return
	}
	writeJSON(w, v)
}

// apiAtRisk serves the open orders nearest to their next deadline,
// ?limit=N (default 20, at most AtRiskKeep).
func (s *Server) apiAtRisk(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if q := r.URL.Query().Get("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit must be a positive integer")
			return
		}
		limit = min(n, AtRiskKeep)
	}
	if s.orders == nil {
		notRead(w)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
	defer cancel()
	v, ok := s.orders.AtRisk(ctx, s.now(), limit)
	if !ok {
		notRead(w)
		return
	}
	writeJSON(w, v)
}

// apiPredictions serves how well the warnings foretold the SLAs that
// ended (Predictions), at most PredictionsEvery old.
func (s *Server) apiPredictions(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
	defer cancel()
	compute := func(ctx context.Context, by []string) (order.Predictions, error) {
		return Predictions(ctx, s.opts.JS, s.opts.Topology, by, time.Time{})
	}
	v, err := s.predictions.get(ctx, s.now(), compute, s.rules().Predict.By)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	writeJSON(w, v)
}

// stories reads order stories under the rules in force.
func (s *Server) stories() Stories {
	return Stories{JS: s.opts.JS, Topology: s.opts.Topology, Rules: s.rules(), Retention: s.opts.Retention, Now: s.now}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers {"error": msg} with the status code.
func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
