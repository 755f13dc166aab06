package provider

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
)

// providerData is what Configure hands every resource and data source:
// the merged settings and the backend clients built from them on first use.
type providerData struct {
	cfg config.Config

	awsOnce sync.Once
	aws     *awsbackend.Session
}

func newProviderData(cfg config.Config) *providerData {
	return &providerData{cfg: cfg}
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
