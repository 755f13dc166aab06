// Package provider is the Terraform face of the ha provider: the provider
// configuration, and every resource, data source and function.
package provider

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ provider.Provider              = &haProvider{}
	_ provider.ProviderWithFunctions = &haProvider{}
)

// New returns a constructor of the provider at a version, as providerserver wants.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &haProvider{version: version} }
}

type haProvider struct {
	version string
	// data is what Configure handed to resources, for the resources served
	// outside the framework (see NewServer).
	data atomic.Pointer[providerData]
}

func (p *haProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "ha"
	resp.Version = p.version
}

func (p *haProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The ha provider builds multi-region high-availability deployments from one blueprint. " +
			"One provider block serves every region: resources take `location` themselves. " +
			"Every setting may also come from an `HA_*` environment variable (for example `HA_AWS_ENDPOINT`) " +
			"or from `~/.config/ha/config.yaml`; values in this block win.",
		Blocks: map[string]schema.Block{
			"aws": schema.SingleNestedBlock{
				MarkdownDescription: "AWS backend settings.",
				Attributes: map[string]schema.Attribute{
					"endpoint":    schema.StringAttribute{Optional: true, MarkdownDescription: "Base endpoint override for every AWS service. `HA_AWS_ENDPOINT`."},
					"access_key":  schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Static access key id. `HA_AWS_ACCESS_KEY`."},
					"secret_key":  schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Static secret access key. `HA_AWS_SECRET_KEY`."},
					"profile":     schema.StringAttribute{Optional: true, MarkdownDescription: "Shared config profile. `HA_AWS_PROFILE`."},
					"max_retries": schema.Int64Attribute{Optional: true, MarkdownDescription: "Attempts for throttled and transient errors, 0 to 25 (default 8). `HA_AWS_MAX_RETRIES`."},
					"lost_locations": schema.ListAttribute{Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Regions declared lost after a disaster (`us-east-1`): the provider makes no call to them at all. Refresh keeps " +
							"their objects' last known state and destroy forgets them, each with a warning; creating there fails. Without it, a lost " +
							"region that does not answer costs one connect attempt per run. `HA_AWS_LOST_LOCATIONS` (comma-separated)."},
				},
			},
			"gcp": schema.SingleNestedBlock{
				MarkdownDescription: "GCP backend settings, for components whose `cloud` is `gcp`.",
				Attributes: map[string]schema.Attribute{
					"project": schema.StringAttribute{Optional: true, MarkdownDescription: "Project id every GCP object is created in; required as soon as a `gcp` component is planned. `HA_GCP_PROJECT`."},
					"credentials": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Service account key: the path of its JSON file, or the JSON text itself. " +
						"Application Default Credentials when unset. `HA_GCP_CREDENTIALS`."},
					"compute_endpoint":  schema.StringAttribute{Optional: true, MarkdownDescription: "Compute Engine API endpoint override (`http://127.0.0.1:PORT/compute/v1/`). `HA_GCP_COMPUTE_ENDPOINT`."},
					"sqladmin_endpoint": schema.StringAttribute{Optional: true, MarkdownDescription: "Cloud SQL Admin API endpoint override. `HA_GCP_SQLADMIN_ENDPOINT`."},
					"dns_endpoint":      schema.StringAttribute{Optional: true, MarkdownDescription: "Cloud DNS API endpoint override. `HA_GCP_DNS_ENDPOINT`."},
					"lost_locations": schema.ListAttribute{Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Regions declared lost after a disaster (`europe-west1`): no call is made to them, as `aws.lost_locations`. `HA_GCP_LOST_LOCATIONS` (comma-separated)."},
					"endpoint": schema.StringAttribute{Optional: true, DeprecationMessage: "Use compute_endpoint.",
						MarkdownDescription: "Former name of `compute_endpoint`, used when that is unset. `HA_GCP_ENDPOINT`."},
				},
			},
			"powerdns": schema.SingleNestedBlock{
				MarkdownDescription: "PowerDNS HTTP API settings, for `ha_dns_failover` with `provider = \"powerdns\"`.",
				Attributes: map[string]schema.Attribute{
					"api_url":   schema.StringAttribute{Optional: true, MarkdownDescription: "Base URL of the API, e.g. `http://127.0.0.1:8081`. `HA_POWERDNS_API_URL`."},
					"api_key":   schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "The `X-API-Key`. `HA_POWERDNS_API_KEY`."},
					"server_id": schema.StringAttribute{Optional: true, MarkdownDescription: "Server id in API paths (default `localhost`). `HA_POWERDNS_SERVER_ID`."},
				},
			},
			"nut": schema.SingleNestedBlock{
				MarkdownDescription: "Defaults for Network UPS Tools (upsd) connections.",
				Attributes: map[string]schema.Attribute{
					"timeout":  schema.StringAttribute{Optional: true, MarkdownDescription: "Per-request timeout, a Go duration (default `5s`). `HA_NUT_TIMEOUT`."},
					"username": schema.StringAttribute{Optional: true, MarkdownDescription: "upsd user, when the server requires login. `HA_NUT_USERNAME`."},
					"password": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "upsd password. `HA_NUT_PASSWORD`."},
				},
			},
			"bare_metal": schema.SingleNestedBlock{
				MarkdownDescription: "How the provider reaches bare-metal hosts over SSH to deliver keepalived and HAProxy configuration.",
				Attributes: map[string]schema.Attribute{
					"ssh_user": schema.StringAttribute{Optional: true, MarkdownDescription: "SSH user on every host (default `root`). `HA_BARE_METAL_SSH_USER`."},
					"ssh_private_key": schema.StringAttribute{Optional: true, Sensitive: true,
						MarkdownDescription: "SSH private key: PEM text or the path of a key file. `HA_BARE_METAL_SSH_PRIVATE_KEY`."},
					"known_hosts": schema.StringAttribute{Optional: true, MarkdownDescription: "known_hosts text or file path pinning host keys of hosts whose " +
						"inventory entry has no `ssh_host_key`; a host with neither is refused. `HA_BARE_METAL_KNOWN_HOSTS`."},
					"lost_locations": schema.ListAttribute{Optional: true, ElementType: types.StringType,
						MarkdownDescription: "Sites declared lost after a disaster (`dc1`): no host there is contacted, as `aws.lost_locations`: refresh " +
							"keeps their objects' last known state and destroy forgets them, each with a warning. `HA_BARE_METAL_LOST_LOCATIONS` (comma-separated)."},
				},
			},
			"snmp": schema.SingleNestedBlock{
				MarkdownDescription: "Defaults for SNMP connections to PDUs.",
				Attributes: map[string]schema.Attribute{
					"timeout":   schema.StringAttribute{Optional: true, MarkdownDescription: "Per-request timeout, a Go duration (default `5s`). `HA_SNMP_TIMEOUT`."},
					"community": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "SNMP v2c community (default `public`). `HA_SNMP_COMMUNITY`."},
					"retries":   schema.Int64Attribute{Optional: true, MarkdownDescription: "Retries per request, 0 to 10 (default 1). `HA_SNMP_RETRIES`."},
				},
			},
		},
	}
}

type providerModel struct {
	AWS      *awsModel      `tfsdk:"aws"`
	GCP      *gcpModel      `tfsdk:"gcp"`
	PowerDNS *powerdnsModel `tfsdk:"powerdns"`
	NUT      *nutModel      `tfsdk:"nut"`
	SNMP     *snmpModel     `tfsdk:"snmp"`
	// BareMetal is the bare_metal block.
	BareMetal *bareMetalModel `tfsdk:"bare_metal"`
}

type bareMetalModel struct {
	SSHUser       types.String `tfsdk:"ssh_user"`
	SSHPrivateKey types.String `tfsdk:"ssh_private_key"`
	KnownHosts    types.String `tfsdk:"known_hosts"`
	LostLocations types.List   `tfsdk:"lost_locations"`
}

type awsModel struct {
	Endpoint      types.String `tfsdk:"endpoint"`
	AccessKey     types.String `tfsdk:"access_key"`
	SecretKey     types.String `tfsdk:"secret_key"`
	Profile       types.String `tfsdk:"profile"`
	MaxRetries    types.Int64  `tfsdk:"max_retries"`
	LostLocations types.List   `tfsdk:"lost_locations"`
}

type gcpModel struct {
	Project          types.String `tfsdk:"project"`
	Credentials      types.String `tfsdk:"credentials"`
	ComputeEndpoint  types.String `tfsdk:"compute_endpoint"`
	SQLAdminEndpoint types.String `tfsdk:"sqladmin_endpoint"`
	DNSEndpoint      types.String `tfsdk:"dns_endpoint"`
	LostLocations    types.List   `tfsdk:"lost_locations"`
	Endpoint         types.String `tfsdk:"endpoint"`
}

type powerdnsModel struct {
	APIURL   types.String `tfsdk:"api_url"`
	APIKey   types.String `tfsdk:"api_key"`
	ServerID types.String `tfsdk:"server_id"`
}

type nutModel struct {
	Timeout  types.String `tfsdk:"timeout"`
	Username types.String `tfsdk:"username"`
	Password types.String `tfsdk:"password"`
}

type snmpModel struct {
	Timeout   types.String `tfsdk:"timeout"`
	Community types.String `tfsdk:"community"`
	Retries   types.Int64  `tfsdk:"retries"`
}

func (p *haProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, err := config.FromEnvironment()
	if err != nil {
		resp.Diagnostics.AddError("Unable to load ha settings", err.Error())
		return
	}
	// Report bad block values and bad merged values together.
	overlay(&cfg, &m, resp)
	for _, fe := range cfg.Validate() {
		resp.Diagnostics.AddAttributeError(keyPath(fe.Key), "Invalid provider setting", fe.Message)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	data := newProviderData(cfg)
	resp.Diagnostics.Append(data.verify(ctx)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.DataSourceData = data
	resp.ResourceData = data
	p.data.Store(data)
}

// keyPath turns a dotted settings key (aws.max_retries) into an attribute path.
func keyPath(key string) path.Path {
	parts := strings.Split(key, ".")
	p := path.Root(parts[0])
	for _, part := range parts[1:] {
		p = p.AtName(part)
	}
	return p
}

// overlay writes the values set in the provider block over cfg; unknown
// values are left alone so that the environment still applies.
func overlay(cfg *config.Config, m *providerModel, resp *provider.ConfigureResponse) {
	str := func(dst *string, v types.String) {
		if !v.IsNull() && !v.IsUnknown() {
			*dst = v.ValueString()
		}
	}
	dur := func(dst *time.Duration, v types.String, key string) {
		if v.IsNull() || v.IsUnknown() {
			return
		}
		d, err := time.ParseDuration(v.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(keyPath(key), "Invalid duration", "Expected a duration such as \"5s\" or \"500ms\": "+err.Error())
			return
		}
		*dst = d
	}
	num := func(dst *int, v types.Int64) {
		if !v.IsNull() && !v.IsUnknown() {
			*dst = int(v.ValueInt64())
		}
	}
	if a := m.AWS; a != nil {
		str(&cfg.AWS.Endpoint, a.Endpoint)
		str(&cfg.AWS.AccessKey, a.AccessKey)
		str(&cfg.AWS.SecretKey, a.SecretKey)
		str(&cfg.AWS.Profile, a.Profile)
		num(&cfg.AWS.MaxRetries, a.MaxRetries)
		if !a.LostLocations.IsNull() && !a.LostLocations.IsUnknown() {
			cfg.AWS.LostLocations = nil
			resp.Diagnostics.Append(a.LostLocations.ElementsAs(context.Background(), &cfg.AWS.LostLocations, false)...)
		}
	}
	if g := m.GCP; g != nil {
		str(&cfg.GCP.Project, g.Project)
		str(&cfg.GCP.Credentials, g.Credentials)
		str(&cfg.GCP.ComputeEndpoint, g.ComputeEndpoint)
		str(&cfg.GCP.SQLAdminEndpoint, g.SQLAdminEndpoint)
		str(&cfg.GCP.DNSEndpoint, g.DNSEndpoint)
		str(&cfg.GCP.Endpoint, g.Endpoint)
		if !g.LostLocations.IsNull() && !g.LostLocations.IsUnknown() {
			cfg.GCP.LostLocations = nil
			resp.Diagnostics.Append(g.LostLocations.ElementsAs(context.Background(), &cfg.GCP.LostLocations, false)...)
		}
	}
	if d := m.PowerDNS; d != nil {
		str(&cfg.PowerDNS.APIURL, d.APIURL)
		str(&cfg.PowerDNS.APIKey, d.APIKey)
		str(&cfg.PowerDNS.ServerID, d.ServerID)
	}
	if n := m.NUT; n != nil {
		dur(&cfg.NUT.Timeout, n.Timeout, "nut.timeout")
		str(&cfg.NUT.Username, n.Username)
		str(&cfg.NUT.Password, n.Password)
	}
	if b := m.BareMetal; b != nil {
		str(&cfg.BareMetal.SSHUser, b.SSHUser)
		str(&cfg.BareMetal.SSHPrivateKey, b.SSHPrivateKey)
		str(&cfg.BareMetal.KnownHosts, b.KnownHosts)
		if !b.LostLocations.IsNull() && !b.LostLocations.IsUnknown() {
			cfg.BareMetal.LostLocations = nil
			resp.Diagnostics.Append(b.LostLocations.ElementsAs(context.Background(), &cfg.BareMetal.LostLocations, false)...)
		}
	}
	if s := m.SNMP; s != nil {
		dur(&cfg.SNMP.Timeout, s.Timeout, "snmp.timeout")
		str(&cfg.SNMP.Community, s.Community)
		num(&cfg.SNMP.Retries, s.Retries)
	}
}

func (p *haProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewDNSFailoverResource,
		newHostAllocationResource,
		newPDUOutletResource,
		newVirtualIPResource,
		NewLoadBalancerResource,
		NewScalingGroupResource,
		NewDatabaseResource,
		NewDatabaseReplicaResource,
		NewBackupPlanResource,
		NewObjectStoreResource,
		NewAlertsResource,
		NewCacheResource,
	}
}

func (p *haProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewBlueprintDataSource,
		NewDNSDrillDataSource,
		NewDatabaseDrillDataSource,
		NewVIPDrillDataSource,
		newInventoryDataSource,
		newPowerStatusDataSource,
	}
}

func (p *haProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewBlueprintFunction,
	}
}
