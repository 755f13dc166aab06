// Package gcplocal is a local Google Cloud endpoint (Compute Engine v1, Cloud
// SQL Admin v1beta4/v1, Cloud DNS v1) for acceptance tests. Every exchange is
// checked against the discovery documents of the pinned google.golang.org/api
// module; see README.md.
package gcplocal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ComputeBase is the URL prefix of compute self links, as real GCP writes them.
const ComputeBase = "https://www.googleapis.com/compute/v1/"

// Violation is a contract breach seen by the server.
type Violation struct {
	Time     time.Time `json:"time"`
	Request  string    `json:"request"`
	MethodID string    `json:"methodId,omitempty"`
	Side     string    `json:"side"` // request | response
	Problems []Problem `json:"problems"`
	Warning  bool      `json:"warning,omitempty"`
}

// Server holds the state and the contract.
type Server struct {
	C *Contract

	mu      sync.Mutex
	objects map[string]*object // key: path without the service prefix ("projects/p/global/healthChecks/x")
	ops     map[string]*operation
	sqlOps  map[string]*sqlOp // Cloud SQL operations, by path
	// ReserveDeletedSQLNames makes a deleted Cloud SQL instance's name
	// unusable for a new instance, as Cloud SQL does for up to a week
	// (409). Off by default: tests recreate names freely.
	ReserveDeletedSQLNames bool
	deletedSQL             map[string]bool
	violations             []Violation
	seq                    uint64
	seeded                 map[string]bool // projects given their pre-existing objects
}

type object struct {
	key    string
	svc    string // compute | sql | dns
	body   map[string]any
	extra  map[string]any // per-kind state
	method *Method
}

// New returns a server over a loaded contract.
func New(c *Contract) *Server {
	return &Server{C: c, objects: map[string]*object{}, ops: map[string]*operation{}, sqlOps: map[string]*sqlOp{}}
}

// Violations returns the recorded violations (warnings included).
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// Errors returns the violations that are not warnings.
func (s *Server) Errors() []Violation {
	var out []Violation
	for _, v := range s.Violations() {
		if !v.Warning {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) record(v Violation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v.Time = time.Now().UTC()
	s.violations = append(s.violations, v)
}

// apiError is a Google-format error.
type apiError struct {
	Code    int
	Status  string
	Reason  string
	Message string
}

func (e *apiError) Error() string { return e.Message }

func errf(code int, reason, format string, a ...any) *apiError {
	status := map[int]string{400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION", 500: "INTERNAL", 501: "UNIMPLEMENTED"}[code]
	return &apiError{Code: code, Status: status, Reason: reason, Message: fmt.Sprintf(format, a...)}
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"error": map[string]any{
		"code":    e.Code,
		"message": e.Message,
		"errors":  []any{map[string]any{"domain": "global", "reason": e.Reason, "message": e.Message}},
		"status":  e.Status,
	}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.Code)
	_ = json.NewEncoder(w).Encode(body)
}

// request is one routed, checked call.
type request struct {
	m    *Method
	vars map[string]string
	path string // URL path without the leading '/' and the service prefix
	svc  string
	body map[string]any
	r    *http.Request
}

func servicePrefix(path string) (svc, rest string) {
	for _, p := range []struct{ pfx, svc string }{
		{"compute/v1/", "compute"}, {"sql/v1beta4/", "sql"}, {"v1/", "sql"}, {"dns/v1/", "dns"},
	} {
		if strings.HasPrefix(path, p.pfx) {
			return p.svc, strings.TrimPrefix(path, p.pfx)
		}
	}
	return "", path
}

// ServeHTTP serves the inspection paths, the batch endpoints and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/__violations":
		if r.Method == http.MethodDelete {
			s.mu.Lock()
			s.violations = nil
			s.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"violations": s.Violations()})
		return
	case "/__health":
		_, _ = io.WriteString(w, "ok\n")
		return
	}
	if batch := strings.TrimPrefix(r.URL.Path, "/"); s.C.BatchPaths[batch] {
		s.serveBatch(w, r, batch)
		return
	}
	s.serveAPI(w, r)
}

// serveAPI routes, checks, handles and checks the answer of one API call,
// sent alone or as a part of a batch.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	reqDesc := r.Method + " " + r.URL.RequestURI()
	m, vars, err := s.C.Route(r.Method, r.URL.Path)
	if err != nil {
		s.record(Violation{Request: reqDesc, Side: "request", Problems: []Problem{{Path: "path", Message: err.Error()}}})
		writeError(w, errf(400, "badRequest", "contract violation: %v", err))
		return
	}
	var problems []Problem
	problems = append(problems, checkQuery(m, r.URL.Query())...)
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	var body any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			problems = append(problems, Problem{Path: "$", Message: "body is not JSON: " + err.Error()})
		}
	}
	if body == nil && m.Request != nil && (m.HTTPMethod == "GET" || m.HTTPMethod == "DELETE") {
		body = nil
	} else if len(problems) == 0 || body != nil {
		problems = append(problems, CheckRequest(m, body)...)
	}
	var warnings []Problem
	for i := 0; i < len(problems); {
		if problems[i].Warning {
			warnings = append(warnings, problems[i])
			problems = append(problems[:i], problems[i+1:]...)
			continue
		}
		i++
	}
	if len(warnings) > 0 {
		s.record(Violation{Request: reqDesc, MethodID: m.ID, Side: "request", Problems: warnings, Warning: true})
	}
	if len(problems) > 0 {
		s.record(Violation{Request: reqDesc, MethodID: m.ID, Side: "request", Problems: problems})
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.String()
		}
		writeError(w, errf(400, "invalid", "contract violation (%s): %s", m.ID, strings.Join(msgs, "; ")))
		return
	}
	svc, rest := servicePrefix(strings.TrimPrefix(r.URL.Path, "/"))
	obj, _ := body.(map[string]any)
	req := &request{m: m, vars: vars, path: rest, svc: svc, body: obj, r: r}
	s.mu.Lock()
	resp, code, aerr := s.handle(req)
	s.mu.Unlock()
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if code == 0 {
		code = 200
	}
	if resp == nil {
		resp = map[string]any{}
	}
	enc, _ := json.Marshal(resp)
	var decoded any
	_ = json.Unmarshal(enc, &decoded)
	if probs := CheckResponse(m, decoded); len(probs) > 0 {
		warn := true
		for _, p := range probs {
			if !p.Warning {
				warn = false
			}
		}
		s.record(Violation{Request: reqDesc, MethodID: m.ID, Side: "response", Problems: probs, Warning: warn})
		if !warn {
			writeError(w, errf(500, "backendError", "local endpoint answered outside the contract: %v", probs))
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_, _ = w.Write(enc)
}

func (s *Server) nextID() string {
	s.seq++
	return strconv.FormatUint(1000000000000000000+s.seq*7919, 10)
}

func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000-07:00") }

// deepCopy copies decoded JSON.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, e := range t {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

func copyObj(m map[string]any) map[string]any { return deepCopy(m).(map[string]any) }

// children lists stored objects directly under a collection path, by name.
func (s *Server) children(coll string) []*object {
	var out []*object
	for k, o := range s.objects {
		if strings.HasPrefix(k, coll+"/") && !strings.Contains(strings.TrimPrefix(k, coll+"/"), "/") {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// handle dispatches to the service's behaviour. Called with s.mu held.
func (s *Server) handle(q *request) (map[string]any, int, *apiError) {
	switch q.svc {
	case "compute":
		return s.compute(q)
	case "sql":
		return s.sql(q)
	case "dns":
		return s.dns(q)
	}
	return nil, 0, errf(501, "notImplemented", "%s is not served by this endpoint", q.m.ID)
}
