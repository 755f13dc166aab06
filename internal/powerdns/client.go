// Package powerdns is a small client of the PowerDNS Authoritative HTTP API
// (zones, rrsets, server config) and the PowerDNS backend of DNS failover,
// which keeps each failover name as a health-checked LUA record.
package powerdns

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrZoneNotFound is returned when the server does not hold the zone.
var ErrZoneNotFound = errors.New("zone not found")

// max5xxRetries bounds the retries of a call answered with a server error
// (50 ms doubling: about 6 s in all).
const max5xxRetries = 7

// DefaultTimeout bounds every API call that has no earlier deadline.
const DefaultTimeout = 15 * time.Second

// Client talks to one PowerDNS server. The API key travels only in the
// X-API-Key header and is never part of an error or log line.
type Client struct {
	base     *url.URL
	apiKey   string
	serverID string
	http     *http.Client
	timeout  time.Duration
}

// Settings configure a Client.
type Settings struct {
	APIURL   string // http://127.0.0.1:8081
	APIKey   string
	ServerID string        // "localhost" when empty
	Timeout  time.Duration // per call; DefaultTimeout when zero
}

// NewClient checks the settings and returns a client; it makes no call.
func NewClient(s Settings) (*Client, error) {
	if s.APIURL == "" {
		return nil, errors.New("the PowerDNS API URL is not set (provider block powerdns.api_url or HA_POWERDNS_API_URL)")
	}
	if s.APIKey == "" {
		return nil, errors.New("the PowerDNS API key is not set (provider block powerdns.api_key or HA_POWERDNS_API_KEY)")
	}
	u, err := url.Parse(strings.TrimRight(s.APIURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("PowerDNS API URL %q is not an http(s) URL with a host", s.APIURL)
	}
	if s.ServerID == "" {
		s.ServerID = "localhost"
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	return &Client{base: u, apiKey: s.APIKey, serverID: s.ServerID, http: &http.Client{}, timeout: s.Timeout}, nil
}

// APIError is a non-success answer of the API.
type APIError struct {
	Method  string
	Path    string
	Status  int
	Message string
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("PowerDNS API %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, msg)
}

// Zone is the part of a zone the failover backend uses.
type Zone struct {
	ID      string  `json:"id,omitempty"`
	Name    string  `json:"name"`
	Account string  `json:"account,omitempty"`
	Kind    string  `json:"kind,omitempty"`
	Serial  int64   `json:"serial,omitempty"`
	RRSets  []RRSet `json:"rrsets,omitempty"`
}

// RRSet is one name and type; ChangeType is set only in PATCH bodies.
type RRSet struct {
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	TTL        int       `json:"ttl,omitempty"`
	ChangeType string    `json:"changetype,omitempty"`
	Records    []Record  `json:"records"`
	Comments   []Comment `json:"comments"`
}

// Record is one record of an rrset.
type Record struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

// Comment is a note attached to an rrset.
type Comment struct {
	Content    string `json:"content"`
	Account    string `json:"account"`
	ModifiedAt int64  `json:"modified_at,omitempty"`
}

// Find returns the rrset of a name and type in the zone, or nil.
func (z *Zone) Find(name, typ string) *RRSet {
	for i := range z.RRSets {
		if strings.EqualFold(z.RRSets[i].Name, name) && z.RRSets[i].Type == typ {
			return &z.RRSets[i]
		}
	}
	return nil
}

// Server pings the server object; it proves the URL and the key work.
func (c *Client) Server(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, c.serverPath(), nil, nil)
}

// Zone reads a zone with its rrsets; ErrZoneNotFound when it does not exist.
// Reads share one answer per zone within zoneCacheTTL across every client
// of the same server in this process (a plan refreshing 200 names of one
// zone reads it once, not 200 times, and the server's 4.7 API cannot read
// a single rrset); any write through a client of this process drops it. The
// zone returned is shared and must not be modified.
func (c *Client) Zone(ctx context.Context, name string) (*Zone, error) {
	return c.shared().zone(ctx, name, func() (*Zone, error) { return c.ZoneFresh(ctx, name) })
}

// ZoneFresh reads a zone from the server, bypassing the shared answer: for
// read-modify-write, which must see the latest rrsets.
func (c *Client) ZoneFresh(ctx context.Context, name string) (*Zone, error) {
	return c.getZone(ctx, name, "", "")
}

// ZoneAt reads a zone's settings and only its rrsets at name, fresh: the
// read-modify-write of one name then does not carry the zone's other
// records (a whole-zone read per resource made an apply's traffic grow with
// the square of the records). A server that does not filter (before 4.7)
// sends every rrset, and 4.7 still sends every comment: ZoneAt's RRSets
// hold only the rrsets at name, and the others are stepped over undecoded.
func (c *Client) ZoneAt(ctx context.Context, zone, name string) (*Zone, error) {
	return c.getZone(ctx, zone, "?rrset_name="+url.QueryEscape(name), name)
}

// getZone is the GET of a zone, with query (empty or starting with "?");
// when onlyAt is not empty, only the rrsets at that name are kept.
func (c *Client) getZone(ctx context.Context, name, query, onlyAt string) (*Zone, error) {
	var z Zone
	var out any = &z
	if onlyAt != "" {
		out = zoneAtAnswer{name: onlyAt, z: &z}
	}
	err := c.do(ctx, http.MethodGet, c.zonePath(name)+query, nil, out)
	if isNotFound(err) {
		return nil, fmt.Errorf("zone %s: %w", name, ErrZoneNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &z, nil
}

// CreateZone creates a Native zone with the given name servers; account,
// when not empty, is stored with the zone (PowerDNS keeps it as a label).
func (c *Client) CreateZone(ctx context.Context, name string, nameservers []string, account string) (*Zone, error) {
	in := map[string]any{"name": name, "kind": "Native", "nameservers": nameservers}
	if account != "" {
		in["account"] = account
	}
	var z Zone
	defer c.shared().forget(name)
	if err := c.do(ctx, http.MethodPost, c.serverPath()+"/zones", in, &z); err != nil {
		return nil, err
	}
	return &z, nil
}

// DeleteZone deletes a zone; a zone already gone is not an error.
func (c *Client) DeleteZone(ctx context.Context, name string) error {
	defer c.shared().forget(name)
	err := c.do(ctx, http.MethodDelete, c.zonePath(name), nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

// PatchRRSets applies REPLACE and DELETE changes to rrsets of a zone.
func (c *Client) PatchRRSets(ctx context.Context, zone string, rrsets []RRSet) error {
	for i := range rrsets {
		if rrsets[i].Records == nil {
			rrsets[i].Records = []Record{}
		}
		if rrsets[i].Comments == nil {
			rrsets[i].Comments = []Comment{}
		}
	}
	defer c.shared().forget(zone)
	return c.do(ctx, http.MethodPatch, c.zonePath(zone), map[string]any{"rrsets": rrsets}, nil)
}

// ConfigSetting reads one server setting (GET /servers/ID/config). The
// settings are read once per process and server: they change only when the
// server restarts, and every resource of a plan asks for them.
func (c *Client) ConfigSetting(ctx context.Context, name string) (string, error) {
	settings, err := c.shared().config(func() ([]setting, error) {
		var all []setting
		err := c.do(ctx, http.MethodGet, c.serverPath()+"/config", nil, &all)
		return all, err
	})
	if err != nil {
		return "", err
	}
	for _, s := range settings {
		if s.Name == name {
			return s.Value, nil
		}
	}
	return "", fmt.Errorf("server setting %q not found", name)
}

func (c *Client) serverPath() string {
	return "/api/v1/servers/" + url.PathEscape(c.serverID)
}

func (c *Client) zonePath(zone string) string {
	return c.serverPath() + "/zones/" + url.PathEscape(zone)
}

// do sends one request. Only GET is retried on transport errors: it is the
// only call here that is safe to repeat blindly when the answer was lost.
// Any call the server answered with a 5xx (sqlite's "database is locked"
// under parallel writes) did not happen and is retried with backoff.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
	}
	attempts := 1
	if method == http.MethodGet {
		attempts = 2
	}
	var lastErr error
	retries5xx := 0
	for i := 0; i < attempts; i++ {
		req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("build %s %s: %w", method, path, err)
		}
		req.Header.Set("X-API-Key", c.apiKey)
		req.Header.Set("Accept", "application/json")
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.http.Do(req) //nolint:bodyclose // decode closes it
		if err != nil {
			// url.Error repeats the URL, which holds no secret; the key is a header.
			lastErr = fmt.Errorf("PowerDNS API at %s unreachable: %w", c.base.Host, unwrapURLError(err))
			if ctx.Err() != nil {
				return lastErr
			}
			continue
		}
		err = decode(resp, method, path, out)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status >= 500 && retries5xx < max5xxRetries {
			lastErr = err
			wait := time.Duration(50<<retries5xx) * time.Millisecond
			retries5xx++
			attempts++
			select {
			case <-ctx.Done():
				return lastErr
			case <-time.After(wait):
			}
			continue
		}
		return err
	}
	return lastErr
}

// readAnswer reads an answer of up to limit bytes into one buffer of the
// length it announces, where io.ReadAll grows a buffer step by step: a zone
// answer grows with the zone (about 300 bytes a name with PowerDNS 4.7),
// and growing it was a third of the client's CPU in an apply of 200 names.
func readAnswer(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= limit {
		b := make([]byte, n)
		_, err := io.ReadFull(resp.Body, b)
		return b, err
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
}

func decode(resp *http.Response, method, path string, out any) error {
	defer func() { _ = resp.Body.Close() }()
	b, err := readAnswer(resp, 32<<20)
	if err != nil {
		return fmt.Errorf("PowerDNS API %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &APIError{Method: method, Path: path, Status: resp.StatusCode}
		var msg struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &msg) == nil && msg.Error != "" {
			e.Message = msg.Error
		} else {
			e.Message = strings.TrimSpace(string(b))
			if len(e.Message) > 200 {
				e.Message = e.Message[:200]
			}
		}
		if resp.StatusCode == http.StatusUnauthorized {
			e.Message += " (check the API key)"
		}
		return e
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	if a, ok := out.(answerDecoder); ok {
		err = a.decodeAnswer(b)
	} else {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		return fmt.Errorf("PowerDNS API %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// answerDecoder is an answer that decodes itself (json.Unmarshal would
// first check the whole answer, which is the cost some answers avoid).
type answerDecoder interface {
	decodeAnswer(b []byte) error
}

func isNotFound(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	// 4.x answers 404 for unknown zones, older versions 422 "Could not find domain".
	return e.Status == http.StatusNotFound ||
		(e.Status == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(e.Message), "could not find"))
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
