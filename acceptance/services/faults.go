package services

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault kinds the proxy answers with instead of forwarding a call.
const (
	FaultThrottle = "throttle"
	Fault500      = "500"
	Fault503      = "503"
	FaultDrop     = "drop" // the connection is closed without an answer
	// FaultLost forwards the call, then closes the connection without its
	// answer: the object is made and the caller does not know (what client
	// tokens and adoption are for). Not among the default kinds.
	FaultLost = "lost"
)

// faultKinds is the order in which a faulted call picks its kind.
var faultKinds = []string{FaultThrottle, Fault500, Fault503, FaultDrop}

// Environment variables that configure the fault front (servicesctl and the
// fault acceptance tests read them).
const (
	FaultRateVar    = "HA_FAULT_RATE"    // fraction of calls faulted, 0..1 (e.g. 0.3)
	FaultSeedVar    = "HA_FAULT_SEED"    // integer seed; the same seed faults the same calls
	FaultLatencyVar = "HA_FAULT_LATENCY" // added to every call, a Go duration (e.g. 20ms)
	FaultKindsVar   = "HA_FAULT_KINDS"   // comma-separated kinds (throttle,500,503,drop,lost)
)

// FaultOptions say which calls the proxy faults.
type FaultOptions struct {
	// Rate is the fraction of calls answered with a fault, 0..1.
	Rate float64
	// Seed makes the choice reproducible: the n-th call of one operation in
	// one region faults or not the same way in every run with the same seed,
	// whatever the order in which concurrent calls arrive.
	Seed int64
	// Latency is added before every answer, faulted or not.
	Latency time.Duration
	// Kinds are the fault kinds chosen from; nil means throttle, 500, 503
	// and drop.
	Kinds []string
	// MaxStreak, when above 0, is the most faults in a row for one
	// operation in one region: the next call is forwarded. A longer run is
	// an outage of that operation rather than a transient fault, and a
	// retryer is right to give up on it (at a rate of 0.3, nine in a row
	// come up about once in fifty thousand calls of one operation).
	MaxStreak int
	// OnForwarded, when set, is called after a call was forwarded and
	// answered by the endpoint (crash tests kill terraform from it).
	OnForwarded func(c Call)
}

// FaultOptionsFromEnv reads HA_FAULT_RATE, HA_FAULT_SEED and HA_FAULT_LATENCY,
// with the given defaults for those unset.
func FaultOptionsFromEnv(def FaultOptions) (FaultOptions, error) {
	o := def
	if v := os.Getenv(FaultRateVar); v != "" {
		r, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil {
			return o, fmt.Errorf("%s=%q: %w", FaultRateVar, v, err)
		}
		if strings.HasSuffix(v, "%") || r > 1 {
			r /= 100
		}
		o.Rate = r
	}
	if v := os.Getenv(FaultSeedVar); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return o, fmt.Errorf("%s=%q: %w", FaultSeedVar, v, err)
		}
		o.Seed = s
	}
	if v := os.Getenv(FaultLatencyVar); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return o, fmt.Errorf("%s=%q: %w", FaultLatencyVar, v, err)
		}
		o.Latency = d
	}
	if v := os.Getenv(FaultKindsVar); v != "" {
		o.Kinds = nil
		for _, k := range strings.Split(v, ",") {
			k = strings.TrimSpace(k)
			if !slices.Contains(append(faultKinds, FaultLost), k) {
				return o, fmt.Errorf("%s: unknown fault kind %q", FaultKindsVar, k)
			}
			o.Kinds = append(o.Kinds, k)
		}
	}
	if o.Rate < 0 || o.Rate > 1 {
		return o, fmt.Errorf("fault rate %v is not between 0 and 1", o.Rate)
	}
	return o, nil
}

// Call is one call seen by the proxy.
type Call struct {
	Service   string // from the signature's credential scope (ec2, rds, ...)
	Region    string
	Operation string // Action, X-Amz-Target operation, or METHOD path
	Query     string // the raw query of a REST call (S3's ?tagging, ?replication); not part of the fault key
	Path      string // the raw path; not part of the fault key
	Protocol  string // ec2, query, json, rest-json, rest-xml
	Status    int    // the endpoint's answer (only in OnForwarded)
}

// FaultStats count what the proxy did; served as JSON at /__faults/stats.
type FaultStats struct {
	Calls     int            `json:"calls"`
	Faults    int            `json:"faults"`
	Forwarded int            `json:"forwarded"`
	ByKind    map[string]int `json:"by_kind"`
	ByService map[string]int `json:"faults_by_service"`
}

// FaultProxy is a reverse proxy in front of a local AWS endpoint that
// answers a seeded fraction of calls with throttling, 500, 503 or a dropped
// connection, in the error format of the called service's protocol.
type FaultProxy struct {
	URL    string
	target *url.URL
	opts   FaultOptions
	rp     *httputil.ReverseProxy
	srv    *http.Server
	ln     net.Listener

	// forceKind, when set, is the kind of every fault (tests of one kind).
	forceKind string

	mu     sync.Mutex
	seq    map[string]uint64
	streak map[string]int // faults in a row, by operation key
	stats  FaultStats
}

// StartFaultProxy listens on a free 127.0.0.1 port and proxies to target.
func StartFaultProxy(target string, opts FaultOptions) (*FaultProxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("fault proxy target %q is not a URL", target)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &FaultProxy{
		URL:    "http://" + ln.Addr().String(),
		target: u,
		opts:   opts,
		rp:     httputil.NewSingleHostReverseProxy(u),
		ln:     ln,
		seq:    map[string]uint64{},
		streak: map[string]int{},
		stats:  FaultStats{ByKind: map[string]int{}, ByService: map[string]int{}},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Close stops the proxy.
func (p *FaultProxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.srv.Shutdown(ctx)
}

// Stats returns a copy of the counters.
func (p *FaultProxy) Stats() FaultStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.ByKind = map[string]int{}
	s.ByService = map[string]int{}
	for k, v := range p.stats.ByKind {
		s.ByKind[k] = v
	}
	for k, v := range p.stats.ByService {
		s.ByService[k] = v
	}
	return s
}

// ResetStats zeroes the counters (the fault sequence goes on).
func (p *FaultProxy) ResetStats() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats = FaultStats{ByKind: map[string]int{}, ByService: map[string]int{}}
}

func (s FaultStats) String() string {
	kinds := make([]string, 0, len(s.ByKind))
	for k, v := range s.ByKind {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(kinds)
	return fmt.Sprintf("%d calls, %d faulted (%s)", s.Calls, s.Faults, strings.Join(kinds, " "))
}

func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/__faults/stats" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p.Stats())
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if p.opts.Latency > 0 {
		time.Sleep(p.opts.Latency)
	}
	c := Classify(r, body)
	// The endpoint's own control API is never faulted.
	if strings.HasPrefix(r.URL.Path, "/moto-api") {
		p.rp.ServeHTTP(w, r)
		return
	}
	kind := p.decide(c)
	if kind == "" {
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		p.rp.ServeHTTP(rec, r)
		if p.opts.OnForwarded != nil {
			c.Status = rec.status
			p.opts.OnForwarded(c)
		}
		return
	}
	if kind == FaultLost {
		p.rp.ServeHTTP(httptest.NewRecorder(), r)
		kind = FaultDrop
	}
	writeFault(w, c, kind)
}

// decide counts the call and returns the fault kind for it, "" to forward.
func (p *FaultProxy) decide(c Call) string {
	key := c.Service + "|" + c.Region + "|" + c.Operation
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.seq[key]
	p.seq[key] = n + 1
	p.stats.Calls++
	h := fnv.New64a()
	fmt.Fprintf(h, "%d|%s|%d", p.opts.Seed, key, n)
	v := mix(h.Sum64())
	// The top 53 bits give a uniform fraction; the low bits pick the kind.
	if float64(v>>11)/float64(1<<53) >= p.opts.Rate || (p.opts.MaxStreak > 0 && p.streak[key] >= p.opts.MaxStreak) {
		p.streak[key] = 0
		p.stats.Forwarded++
		return ""
	}
	p.streak[key]++
	kinds := faultKinds
	if len(p.opts.Kinds) > 0 {
		kinds = p.opts.Kinds
	}
	kind := kinds[v%uint64(len(kinds))]
	if p.forceKind != "" {
		kind = p.forceKind
	}
	p.stats.Faults++
	p.stats.ByKind[kind]++
	p.stats.ByService[c.Service]++
	return kind
}

// mix is splitmix64's finalizer: FNV alone spreads nearby keys poorly over
// its high bits, which would skew the fault rate.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// Classify tells the service, region, operation and protocol of a call from
// its signature, headers and body.
func Classify(r *http.Request, body []byte) Call {
	c := Call{Operation: r.Method + " " + r.URL.Path, Query: r.URL.RawQuery, Path: r.URL.Path}
	if g := googleService(r.URL.Path); g != "" {
		// Google APIs: JSON errors in Google's format; the operation key
		// drops the project and names so that a seed faults the same
		// method calls run after run.
		c.Service, c.Protocol = g, "google"
		c.Operation = r.Method + " " + googleShape(r.URL.Path)
		return c
	}
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		c.Region, c.Service = m[1], m[2]
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		c.Protocol = "json"
		if _, op, ok := strings.Cut(t, "."); ok {
			c.Operation = op
		} else {
			c.Operation = t
		}
		return c
	}
	form := r.URL.Query()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if f, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range f {
				form[k] = v
			}
		}
	}
	if a := form.Get("Action"); a != "" {
		c.Operation = a
		c.Protocol = "query"
		if c.Service == "ec2" || form.Get("Version") == "2016-11-15" {
			c.Protocol = "ec2"
		}
		return c
	}
	if strings.Contains(r.Header.Get("Content-Type"), "json") || c.Service == "backup" {
		c.Protocol = "rest-json"
		return c
	}
	c.Protocol = "rest-xml"
	return c
}

// googleService names the Google API a path belongs to, "" for others.
func googleService(p string) string {
	switch {
	case strings.HasPrefix(p, "/compute/v1/"):
		return "compute"
	case strings.HasPrefix(p, "/sql/"), strings.HasPrefix(p, "/v1/projects/") && strings.Contains(p, "/instances"):
		return "sqladmin"
	case strings.HasPrefix(p, "/dns/v1/"):
		return "dns"
	}
	return ""
}

// googleShape keeps a path's collection words and drops the values
// between them (projects/p/regions/r/... → projects/*/regions/*/...).
func googleShape(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i := 3; i < len(parts); i += 2 {
		parts[i] = "*"
	}
	return "/" + strings.Join(parts, "/")
}

// googleFault is the error body Google APIs send: code, message, status
// and the legacy errors[] with a reason.
func googleFault(w http.ResponseWriter, kind string) {
	status, reason, state, msg := http.StatusInternalServerError, "backendError", "INTERNAL", "Internal error encountered."
	switch kind {
	case FaultThrottle:
		status, reason, state, msg = http.StatusTooManyRequests, "rateLimitExceeded", "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'."
	case Fault503:
		status, reason, state, msg = http.StatusServiceUnavailable, "backendError", "UNAVAILABLE", "The service is currently unavailable."
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": status, "message": msg, "status": state,
		"errors": []map[string]string{{"message": msg, "domain": "global", "reason": reason}},
	}})
}

// writeFault answers a call with the fault, as the service would.
func writeFault(w http.ResponseWriter, c Call, kind string) {
	if kind == FaultDrop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		// Without hijacking, abort the handler: net/http closes the connection.
		panic(http.ErrAbortHandler)
	}
	if c.Protocol == "google" {
		googleFault(w, kind)
		return
	}
	status, code, msg := faultAnswer(c.Protocol, kind)
	reqID := "fault-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if c.Service == "s3" {
		// S3's REST-XML errors have a bare <Error> root (no
		// <ErrorResponse>), and S3 throttles with 503 SlowDown.
		status, code, msg = s3FaultAnswer(kind)
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("X-Amz-Request-Id", reqID)
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId><HostId>fault</HostId></Error>`, code, msg, reqID)
		return
	}
	switch c.Protocol {
	case "json", "rest-json":
		ct := "application/x-amz-json-1.1"
		if c.Protocol == "rest-json" {
			ct = "application/json"
			w.Header().Set("X-Amzn-ErrorType", code)
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Amzn-RequestId", reqID)
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
		_, _ = w.Write(b)
	case "ec2":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`, code, msg, reqID)
	default: // query and rest-xml share the ErrorResponse shape
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("X-Amzn-RequestId", reqID)
		w.WriteHeader(status)
		typ := "Receiver"
		if kind == FaultThrottle {
			typ = "Sender"
		}
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<ErrorResponse><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, typ, code, msg, reqID)
	}
}

// s3FaultAnswer is the status, error code and message S3 answers a fault
// with.
func s3FaultAnswer(kind string) (int, string, string) {
	switch kind {
	case FaultThrottle:
		return http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate."
	case Fault503:
		return http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unable to handle request."
	default:
		return http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again."
	}
}

// faultAnswer is the status, error code and message of a fault per protocol.
func faultAnswer(protocol, kind string) (int, string, string) {
	switch kind {
	case FaultThrottle:
		switch protocol {
		case "ec2":
			return http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded."
		case "json", "rest-json":
			return http.StatusBadRequest, "ThrottlingException", "Rate exceeded"
		default:
			return http.StatusBadRequest, "Throttling", "Rate exceeded"
		}
	case Fault503:
		if protocol == "ec2" {
			return http.StatusServiceUnavailable, "Unavailable", "The server is overloaded and can't handle the request."
		}
		return http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable. Please try again later."
	default:
		if protocol == "ec2" {
			return http.StatusInternalServerError, "InternalError", "An internal error has occurred."
		}
		if protocol == "json" || protocol == "rest-json" {
			return http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error."
		}
		return http.StatusInternalServerError, "InternalFailure", "An internal error has occurred."
	}
}
