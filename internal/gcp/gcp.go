// Package gcp holds what every GCP backend shares: client options built from
// the provider's gcp settings (endpoint overrides, credentials as a file or
// JSON, Application Default Credentials otherwise), the lost-location check,
// error mapping to the cloud-neutral backend errors, retries of throttled
// and transient calls, and waits for long-running operations.
package gcp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"google.golang.org/api/option"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Session is the GCP side of one configured provider.
type Session struct {
	s        backend.GCPSettings
	settings *backend.Settings
}

type sessionKey struct{}

// SessionFor returns the Session shared by every resource of the provider
// whose settings are s, after checking that location is not lost.
func SessionFor(s *backend.Settings, location string) (*Session, error) {
	if err := s.CheckLocation(backend.GCP, location); err != nil {
		return nil, err
	}
	v, err := s.Shared(sessionKey{}, func() (any, error) { return New(s) })
	if err != nil {
		return nil, err
	}
	return v.(*Session), nil
}

// New checks the settings and returns a session.
func New(s *backend.Settings) (*Session, error) {
	if strings.TrimSpace(s.GCP.Project) == "" {
		return nil, errors.New("the gcp project is not set: set project in the provider's gcp block, HA_GCP_PROJECT or the config file")
	}
	return &Session{s: s.GCP, settings: s}, nil
}

// Project is the project every object is created in.
func (s *Session) Project() string { return s.s.Project }

// Overridden reports whether any GCP endpoint is overridden: workarounds
// for gaps of a local endpoint apply only then.
func (s *Session) Overridden() bool { return s.settings.EndpointOverridden(backend.GCP) }

// Lost reports whether location is in lost_locations.
func (s *Session) Lost(location string) bool { return s.settings.Lost(backend.GCP, location) }

// CheckLocation fails with an UnreachableError for a lost location, so no
// call is made to it.
func (s *Session) CheckLocation(location string) error {
	return s.settings.CheckLocation(backend.GCP, location)
}

// Service names an API for ClientOptions.
type Service int

// The APIs the backends use.
const (
	Compute Service = iota
	SQLAdmin
	DNS
)

// ClientOptions returns the options for a client of svc. An override is
// taken with or without the API's version path ("compute/v1/",
// "sql/v1beta4/", "dns/v1/"), as gcloud takes it: the sqladmin and dns
// clients add that path to each call, so they get the root; the compute
// client's calls are relative to it, so it gets root + "compute/v1/".
func (s *Session) ClientOptions(svc Service) ([]option.ClientOption, error) {
	var opts []option.ClientOption
	endpoint, versionPath := "", ""
	switch svc {
	case Compute:
		endpoint, versionPath = s.s.ComputeEndpoint, "/compute/v1"
	case SQLAdmin:
		endpoint, versionPath = s.s.SQLAdminEndpoint, "/sql/v1beta4"
	case DNS:
		endpoint, versionPath = s.s.DNSEndpoint, "/dns/v1"
	}
	if endpoint != "" {
		// The discovery-based clients join paths to a base ending in "/".
		endpoint = strings.TrimSuffix(strings.TrimSuffix(endpoint, "/"), versionPath) + "/"
		if svc == Compute {
			endpoint += "compute/v1/"
		}
	}
	if endpoint != "" {
		opts = append(opts, option.WithEndpoint(endpoint))
	}
	if s.settings.UserAgent != "" {
		opts = append(opts, option.WithUserAgent(s.settings.UserAgent))
	}
	creds := strings.TrimSpace(s.s.Credentials)
	switch {
	case creds == "" && endpoint != "":
		// An overridden endpoint without credentials is a test or proxy
		// endpoint that takes no token; ADC would fail with no account.
		opts = append(opts, option.WithoutAuthentication())
	case creds == "":
		// Application Default Credentials: the client finds them itself.
	case strings.HasPrefix(creds, "{"):
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, []byte(creds)))
	default:
		b, err := os.ReadFile(creds)
		if err != nil {
			return nil, fmt.Errorf("read gcp credentials file: %w", err)
		}
		opts = append(opts, option.WithAuthCredentialsJSON(credentialsType(b), b))
	}
	return opts, nil
}

// credentialsType tells a service account key from other credential files
// (authorized user, external account) by its "type" field.
func credentialsType(b []byte) option.CredentialsType {
	s := string(b)
	switch {
	case strings.Contains(s, `"authorized_user"`):
		return option.AuthorizedUser
	case strings.Contains(s, `"external_account"`):
		return option.ExternalAccount
	case strings.Contains(s, `"impersonated_service_account"`):
		return option.ImpersonatedServiceAccount
	}
	return option.ServiceAccount
}

// Closer is a client with Close.
type Closer interface{ Close() error }

// CloseAll closes clients, ignoring nils.
func CloseAll(cs ...Closer) {
	for _, c := range cs {
		if c != nil {
			_ = c.Close()
		}
	}
}

// Unreachable wraps err as the backend's UnreachableError for location when
// it means the API could not be reached; other errors are returned as is.
func Unreachable(location string, err error) error {
	if err == nil || !IsTransportError(err) {
		return err
	}
	return &backend.UnreachableError{Cloud: backend.GCP, Location: location, Err: err}
}

// ctxErr is the context's error, for waits that end on it.
func ctxErr(ctx context.Context, what string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("timed out waiting for %s: %w", what, err)
	}
	return nil
}
