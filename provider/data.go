package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
	"github.com/ha-blueprints/terraform-provider-ha/internal/version"
)

// providerData is what Configure hands every resource and data source:
// the merged settings and the backend clients built from them on first use.
type providerData struct {
	cfg config.Config
	// backends is what every per-cloud backend factory gets (see
	// internal/backend); it also caches the clients they share.
	backends *backend.Settings
}

func newProviderData(cfg config.Config) *providerData {
	return &providerData{cfg: cfg, backends: backendSettings(cfg)}
}

// backendSettings turns the merged settings into what backends get.
func backendSettings(cfg config.Config) *backend.Settings {
	return &backend.Settings{
		AWS: backend.AWSSettings{
			Endpoint:      cfg.AWS.Endpoint,
			AccessKey:     cfg.AWS.AccessKey,
			SecretKey:     cfg.AWS.SecretKey,
			Profile:       cfg.AWS.Profile,
			MaxRetries:    cfg.AWS.MaxRetries,
			LostLocations: cfg.AWS.LostLocations,
		},
		GCP: backend.GCPSettings{
			Project:          cfg.GCP.Project,
			Credentials:      cfg.GCP.Credentials,
			ComputeEndpoint:  cfg.GCP.Compute(),
			SQLAdminEndpoint: cfg.GCP.SQLAdminEndpoint,
			DNSEndpoint:      cfg.GCP.DNSEndpoint,
			LostLocations:    cfg.GCP.LostLocations,
		},
		BareMetal: backend.BareMetalSettings{
			SSHUser:       cfg.BareMetal.SSHUser,
			SSHPrivateKey: cfg.BareMetal.SSHPrivateKey,
			SSHKnownHosts: cfg.BareMetal.KnownHosts,
			LostLocations: cfg.BareMetal.LostLocations,
		},
		UserAgent: "terraform-provider-ha/" + version.Version,
	}
}

// verify checks, once per Configure, what would otherwise fail in every
// resource separately (bad credentials, for example).
func (d *providerData) verify(ctx context.Context) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.Append(d.verifyAWS(ctx)...)
	return diags
}

// providerDataFrom unpacks ProviderData in a resource's or data source's
// Configure; nil data (before the provider is configured) is not an error.
func providerDataFrom(data any) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	if data == nil {
		return nil, diags
	}
	d, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *providerData, got %T; this is a bug in the provider", data))
		return nil, diags
	}
	return d, diags
}

// errNoProvider is returned when a resource is used before the provider was
// configured (an unknown provider block value during validation, for example).
var errNoProvider = errors.New("the provider is not configured")
