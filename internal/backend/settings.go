package backend

import (
	"slices"
	"sync"
)

// AWSSettings are the provider's `aws` block (and HA_AWS_*, config file).
type AWSSettings struct {
	// Endpoint overrides every AWS service endpoint (a local endpoint in
	// tests). Backends apply workarounds for gaps of such endpoints only
	// when it is set (see EndpointOverridden).
	Endpoint      string
	AccessKey     string
	SecretKey     string // sensitive
	Profile       string
	MaxRetries    int
	LostLocations []string
}

// GCPSettings are the provider's `gcp` block (and HA_GCP_*, config file).
type GCPSettings struct {
	Project string
	// Credentials is a service account key file path or its JSON text;
	// empty means Application Default Credentials. Sensitive.
	Credentials      string
	ComputeEndpoint  string // overrides https://compute.googleapis.com/compute/v1/
	SQLAdminEndpoint string // overrides https://sqladmin.googleapis.com/
	DNSEndpoint      string // overrides https://dns.googleapis.com/
	LostLocations    []string
}

// BareMetalSettings are what bare-metal backends get from the provider.
// Hosts themselves come from each resource (host addresses in its Spec);
// these are the connection defaults.
type BareMetalSettings struct {
	SSHUser       string
	SSHPrivateKey string // PEM text or a file path; sensitive
	SSHKnownHosts string // known_hosts file; empty: host keys are not pinned
	// Options are further backend-specific settings (key → value), so a
	// bare-metal backend can grow without changing this struct.
	Options       map[string]string
	LostLocations []string
}

// Settings is what every backend factory is given: the per-cloud client
// configuration of one configured provider, plus a cache for clients that
// should be shared by every resource of that provider (sessions, HTTP
// clients, credentials).
type Settings struct {
	AWS       AWSSettings
	GCP       GCPSettings
	BareMetal BareMetalSettings
	// UserAgent is the provider's product/version, for API clients.
	UserAgent string

	cache sync.Map // key → *cached
}

type cached struct {
	once sync.Once
	v    any
	err  error
}

// Shared returns the value stored under key, calling mk once per Settings to
// create it (concurrent callers wait for that one call). Backends use it to
// share one session or client among every resource of a provider; keys
// should be a type unexported by the calling package, as with
// context.WithValue. An error from mk is kept too: every caller gets it.
func (s *Settings) Shared(key any, mk func() (any, error)) (any, error) {
	e, _ := s.cache.LoadOrStore(key, &cached{})
	c := e.(*cached)
	c.once.Do(func() { c.v, c.err = mk() })
	return c.v, c.err
}

// LostLocations returns the lost_locations setting of cloud.
func (s *Settings) LostLocations(cloud Cloud) []string {
	switch cloud {
	case AWS:
		return s.AWS.LostLocations
	case GCP:
		return s.GCP.LostLocations
	case BareMetal:
		return s.BareMetal.LostLocations
	}
	return nil
}

// Lost reports whether location of cloud is listed in lost_locations: no
// call may be made to it, and Delete forgets its objects.
func (s *Settings) Lost(cloud Cloud, location string) bool {
	return slices.Contains(s.LostLocations(cloud), location)
}

// CheckLocation returns an UnreachableError (wrapping ErrUnreachable) when
// location is lost, else nil. Factories call it before building a client.
func (s *Settings) CheckLocation(cloud Cloud, location string) error {
	if s.Lost(cloud, location) {
		return &UnreachableError{Cloud: cloud, Location: location}
	}
	return nil
}

// EndpointOverridden reports whether cloud's API endpoints are overridden
// (a local endpoint). Accommodations for gaps of such endpoints (an
// operation answered 501, a field not returned) must apply only when this
// is true, never to an error from the real service.
func (s *Settings) EndpointOverridden(cloud Cloud) bool {
	switch cloud {
	case AWS:
		return s.AWS.Endpoint != ""
	case GCP:
		return s.GCP.ComputeEndpoint != "" || s.GCP.SQLAdminEndpoint != "" || s.GCP.DNSEndpoint != ""
	}
	return false
}
