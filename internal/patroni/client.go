package patroni

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Client talks to one member's Patroni REST API (http://address:8008).
type Client struct {
	BaseURL string
	HTTP    *http.Client // default: 5 s timeout
}

// NewClient returns a client of the REST API at address ("host:port").
func NewClient(address string) *Client {
	return &Client{BaseURL: "http://" + address, HTTP: &http.Client{Timeout: 5 * time.Second}}
}

// ClusterMember is one member as GET /cluster lists it.
type ClusterMember struct {
	Name     string `json:"name"`
	Role     string `json:"role"`  // leader, sync_standby, replica, standby_leader
	State    string `json:"state"` // running, streaming, starting, stopped, ...
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Timeline int    `json:"timeline"`
	Lag      any    `json:"lag"` // bytes, or "unknown"
	APIURL   string `json:"api_url"`
}

// ClusterStatus is GET /cluster.
type ClusterStatus struct {
	Members []ClusterMember `json:"members"`
}

// Leader is the leader's name, "" when there is none.
func (s ClusterStatus) Leader() string {
	for _, m := range s.Members {
		if m.Role == "leader" || m.Role == "standby_leader" {
			return m.Name
		}
	}
	return ""
}

// SyncStandbys are the members Patroni has made synchronous standbys.
func (s ClusterStatus) SyncStandbys() []string {
	var out []string
	for _, m := range s.Members {
		if m.Role == "sync_standby" {
			out = append(out, m.Name)
		}
	}
	return out
}

// MemberStatus is GET /patroni of the member asked.
type MemberStatus struct {
	State    string `json:"state"`
	Role     string `json:"role"` // master/primary or replica
	Timeline int    `json:"timeline"`
	Patroni  struct {
		Scope   string `json:"scope"`
		Version string `json:"version"`
	} `json:"patroni"`
}

// APIError is a non-2xx answer.
type APIError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("patroni %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, strings.TrimSpace(e.Body))
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("patroni %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("patroni %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("patroni %s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("patroni %s %s: read: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Body: string(b)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("patroni %s %s: decode: %w", method, path, err)
	}
	return nil
}

// Cluster is GET /cluster: every member, its role, state and lag.
func (c *Client) Cluster(ctx context.Context) (ClusterStatus, error) {
	var s ClusterStatus
	err := c.do(ctx, http.MethodGet, "/cluster", nil, &s)
	return s, err
}

// Patroni is GET /patroni of this member. A replica answers 200 too.
func (c *Client) Patroni(ctx context.Context) (MemberStatus, error) {
	var s MemberStatus
	err := c.do(ctx, http.MethodGet, "/patroni", nil, &s)
	return s, err
}

// Config is GET /config: the dynamic configuration in the DCS.
func (c *Client) Config(ctx context.Context) (map[string]any, error) {
	var m map[string]any
	err := c.do(ctx, http.MethodGet, "/config", nil, &m)
	return m, err
}

// PatchConfig merges patch into the dynamic configuration (PATCH /config);
// a null value removes a key.
func (c *Client) PatchConfig(ctx context.Context, patch map[string]any) error {
	return c.do(ctx, http.MethodPatch, "/config", patch, nil)
}

// Switchover hands leadership from leader to candidate (POST /switchover);
// candidate "" lets Patroni choose a healthy standby.
func (c *Client) Switchover(ctx context.Context, leader, candidate string) error {
	in := map[string]string{"leader": leader}
	if candidate != "" {
		in["candidate"] = candidate
	}
	return c.do(ctx, http.MethodPost, "/switchover", in, nil)
}

// ErrTimeout is wrapped when a wait runs out of time.
var ErrTimeout = errors.New("timed out")

// WaitLeader polls /cluster until want (or, want "", any member) is leader
// and running, or ctx ends. It returns the last status seen.
func (c *Client) WaitLeader(ctx context.Context, want string) (ClusterStatus, error) {
	var last ClusterStatus
	var lastErr error
	for {
		s, err := c.Cluster(ctx)
		if err == nil {
			last = s
			for _, m := range s.Members {
				if (m.Role == "leader") && m.State == "running" && (want == "" || m.Name == want) {
					return s, nil
				}
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return last, fmt.Errorf("wait for leader %q: %w (last error: %w)", want, ErrTimeout, lastErr)
			}
			return last, fmt.Errorf("wait for leader %q: %w (leader is %q)", want, ErrTimeout, last.Leader())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// DynamicDrift lists the keys of want whose values differ in got (the DCS
// configuration), compared as JSON so 10 and 10.0 are equal; nested maps
// are compared key by key.
func DynamicDrift(want, got map[string]any) []string {
	var out []string
	var walk func(prefix string, w, g map[string]any)
	walk = func(prefix string, w, g map[string]any) {
		for k, wv := range w {
			gv := g[k]
			if wm, ok := wv.(map[string]any); ok {
				gm, _ := gv.(map[string]any)
				walk(prefix+k+".", wm, gm)
				continue
			}
			if !sameJSON(wv, gv) {
				out = append(out, prefix+k)
			}
		}
	}
	walk("", want, got)
	sortStrings(out)
	return out
}

func sameJSON(a, b any) bool {
	norm := func(v any) string {
		bs, _ := json.Marshal(v)
		var x any
		_ = json.Unmarshal(bs, &x)
		bs, _ = json.Marshal(x)
		return fmt.Sprint(string(bs))
	}
	return norm(a) == norm(b)
}

// FindLeader asks each REST API address in turn (skipping those that do not
// answer) for /cluster and returns the leader's PostgreSQL host and port.
func FindLeader(ctx context.Context, apis []string) (ClusterMember, error) {
	var errs []error
	for _, a := range apis {
		c := NewClient(a)
		c.HTTP.Timeout = time.Second
		st, err := c.Cluster(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, m := range st.Members {
			if m.Role == "leader" && m.State == "running" {
				return m, nil
			}
		}
		errs = append(errs, fmt.Errorf("%s: no running leader", a))
	}
	return ClusterMember{}, fmt.Errorf("find leader: %w", errors.Join(errs...))
}
