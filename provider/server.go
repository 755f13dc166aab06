package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/ha-blueprints/terraform-provider-ha/internal/leanresource"
)

// leanResources are served by leanresource rather than the framework: the
// resources a configuration holds by the hundred, where the framework's
// per-value schema walks were most of the provider's CPU per resource.
var leanResources = []func() resource.Resource{
	NewDNSFailoverResource,
}

// NewServer returns a constructor of the provider's protocol server: the
// framework's, with the leanResources answered in front of it.
func NewServer(version string) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		p := &haProvider{version: version}
		fw, err := providerserver.NewProtocol6WithError(p)()
		if err != nil {
			return nil, err
		}
		return leanresource.Wrap(fw, "ha", func() any {
			if d := p.data.Load(); d != nil {
				return d
			}
			return nil
		}, leanResources...)
	}
}
