package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

// Bare-metal attributes of ha_database (cloud = "bare_metal"): a Patroni
// cluster on the hosts of the database's host allocation.

func databaseBareMetalAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"hosts": schema.ListNestedAttribute{
			Optional: true,
			MarkdownDescription: "Bare metal: the hosts that run PostgreSQL, Patroni and one etcd member each, in placement order " +
				"(the database's `ha_host_allocation` members). Fixed once created (etcd's membership is static): changing them replaces the database.",
			PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"name":         schema.StringAttribute{Required: true, MarkdownDescription: "Inventory name (Patroni's member name)."},
				"address":      schema.StringAttribute{Required: true, MarkdownDescription: "Address members, clients and SSH reach."},
				"ssh_host_key": schema.StringAttribute{Optional: true, MarkdownDescription: "Pinned SSH host key; known_hosts when unset."},
				"domains": schema.ListAttribute{Optional: true, ElementType: types.StringType,
					MarkdownDescription: "Power devices whose loss alone takes the host down, as `KIND:NAME` (`ups:ups-a`, `feed:A`, `pdu:pdu-r1-a`; " +
						"`ha_inventory`'s `downed_by`). Plan fails when one device takes out a majority of etcd or every copy."},
			}},
		},
		"primary": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Bare metal: host name of the declared leader. Changing it performs a Patroni switchover in the apply and waits " +
				"until the new leader accepts writes; a leader changed by failover is reported as a warning, not switched back.",
		},
		"failover_budget": schema.Int64Attribute{
			Optional: true,
			MarkdownDescription: "Bare metal: RTO budget in seconds Patroni's `ttl`, `loop_wait` and `retry_timeout` are derived from " +
				"(worst case ttl + loop_wait + an etcd election + 1 s; ttl at least 5 s); unset or 0 for Patroni's defaults (ttl 30 s).",
		},
		"restore_repository": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "Bare metal, with `restore_from_component`: the pgBackRest repository the lost database's backup plan kept " +
				"(`stanza`: the lost database's name; the repository's host). On create the first host is restored from its newest backup " +
				"and archived WAL and leads; the others clone it. Changing it replaces the database.",
			Attributes: map[string]schema.Attribute{
				"stanza":       schema.StringAttribute{Required: true, MarkdownDescription: "The lost database's name (its backup plan's `stanza`)."},
				"name":         schema.StringAttribute{Required: true, MarkdownDescription: "Inventory name of the repository's host."},
				"address":      schema.StringAttribute{Required: true, MarkdownDescription: "Its address."},
				"ssh_host_key": schema.StringAttribute{Optional: true, MarkdownDescription: "Pinned SSH host key; known_hosts when unset."},
				"encrypted":    schema.BoolAttribute{Optional: true, MarkdownDescription: "The repository is encrypted (default `true`): `restore_passphrase` reads it."},
			},
			PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplace()},
		},
		"restore_passphrase": schema.StringAttribute{
			Optional: true, Sensitive: true,
			MarkdownDescription: "Bare metal: the passphrase of `restore_repository` (its backup plan's `passphrase`). Used at create only; never logged.",
		},
		"max_lag_bytes": schema.Int64Attribute{
			Optional:            true,
			MarkdownDescription: "Bare metal, async mode (`multi_az = false`): Patroni's `maximum_lag_on_failover`; a standby further behind is not promoted.",
		},
	}
}

type restoreRepositoryModel struct {
	Stanza     types.String `tfsdk:"stanza"`
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	SSHHostKey types.String `tfsdk:"ssh_host_key"`
	Encrypted  types.Bool   `tfsdk:"encrypted"`
}

type databaseHostModel struct {
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	SSHHostKey types.String `tfsdk:"ssh_host_key"`
	Domains    types.List   `tfsdk:"domains"`
}

// bareMetal is the backend's part of m's spec; nil without hosts.
func (m *databaseModel) bareMetal(ctx context.Context) (*database.BareMetal, diag.Diagnostics) {
	var diags diag.Diagnostics
	if m.Hosts.IsNull() || m.Hosts.IsUnknown() {
		return nil, diags
	}
	var hosts []databaseHostModel
	diags.Append(m.Hosts.ElementsAs(ctx, &hosts, false)...)
	bm := &database.BareMetal{
		Primary:     m.Primary.ValueString(),
		MaxLagBytes: m.MaxLagBytes.ValueInt64(),
		RTO:         time.Duration(m.FailoverBudget.ValueInt64()) * time.Second,
	}
	for i, h := range hosts {
		dh := database.Host{Name: h.Name.ValueString(), Address: h.Address.ValueString(), HostKey: h.SSHHostKey.ValueString(), Domains: map[string]string{}}
		var ds []string
		diags.Append(h.Domains.ElementsAs(ctx, &ds, false)...)
		for _, d := range ds {
			kind, name, ok := strings.Cut(d, ":")
			if !ok || kind == "" || name == "" {
				diags.AddAttributeError(path.Root("hosts").AtListIndex(i).AtName("domains"), "Invalid power domain",
					fmt.Sprintf("%q is not KIND:NAME (such as ups:ups-a, feed:A or pdu:pdu-r1-a).", d))
				continue
			}
			dh.Domains[kind] = name
		}
		bm.Hosts = append(bm.Hosts, dh)
	}
	if m.RestoreFromComponent.ValueString() != "" && !m.RestoreRepository.IsNull() && !m.RestoreRepository.IsUnknown() {
		var r restoreRepositoryModel
		diags.Append(m.RestoreRepository.As(ctx, &r, basetypes.ObjectAsOptions{})...)
		bm.RestoreFrom = &database.Repository{
			Stanza:     patroni.Scope(r.Stanza.ValueString()),
			Host:       database.Host{Name: r.Name.ValueString(), Address: r.Address.ValueString(), HostKey: r.SSHHostKey.ValueString()},
			Encrypted:  r.Encrypted.IsNull() || r.Encrypted.ValueBool(),
			Passphrase: m.RestorePassphrase.ValueString(),
		}
	}
	return bm, diags
}

// planBareMetal checks a bare-metal database at plan time: sync mode with
// one host, and power devices whose loss takes out a majority of etcd or
// every copy (the error names the device).
func (r *databaseResource) planBareMetal(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var m databaseModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &m)...)
	if resp.Diagnostics.HasError() || cloudOf(m.Cloud) != backend.BareMetal {
		return
	}
	if m.Hosts.IsUnknown() || m.MultiAZ.IsUnknown() {
		return
	}
	if m.Hosts.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("hosts"), "Missing hosts", "A bare_metal database runs on hosts: set hosts (the members of its ha_host_allocation).")
		return
	}
	bm, diags := m.bareMetal(ctx)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	var members []patroni.Member
	names := map[string]bool{}
	for _, h := range bm.Hosts {
		members = append(members, patroni.Member{Name: h.Name, Address: h.Address, Domains: h.Domains})
		names[h.Name] = true
	}
	for _, err := range patroni.CheckPlacement(members, m.MultiAZ.ValueBool()) {
		resp.Diagnostics.AddAttributeError(path.Root("hosts"), "Database hosts share a power domain", fmt.Sprintf("Database %s: %s.", m.Name.ValueString(), err))
	}
	if m.RestoreFromComponent.ValueString() != "" && m.RestoreRepository.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("restore_repository"), "Missing restore_repository",
			fmt.Sprintf("Database %s restores %s on bare metal: set restore_repository (the pgBackRest repository its backup plan kept).", m.Name.ValueString(), m.RestoreFromComponent.ValueString()))
	}
	if r := bm.RestoreFrom; r != nil && r.Encrypted && m.RestorePassphrase.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("restore_passphrase"), "Missing restore_passphrase",
			fmt.Sprintf("Database %s restores from the encrypted repository on %s: set restore_passphrase.", m.Name.ValueString(), r.Host.Name))
	}
	if p := bm.Primary; p != "" && !names[p] && !m.Primary.IsUnknown() {
		resp.Diagnostics.AddAttributeError(path.Root("primary"), "Primary is not a database host", fmt.Sprintf("%q is not one of the hosts of database %s.", p, m.Name.ValueString()))
	}
	// A declared primary that changes means a switchover: the endpoint
	// (the leader's address) is known only after it.
	if !req.State.Raw.IsNull() {
		var prior types.String
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("primary"), &prior)...)
		if !prior.Equal(m.Primary) {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("endpoint"), types.StringUnknown())...)
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("address"), types.StringUnknown())...)
		}
	}
}
