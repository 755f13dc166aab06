package provider

import (
	"context"
	"fmt"
	"net"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pgbackrest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

// Bare-metal attributes of ha_backup_plan (cloud = "bare_metal"): pgBackRest
// for a Patroni database, its repository on a host of another site.

// patroniRESTPort is the port of the Patroni REST API the bare-metal
// ha_database serves on each of its hosts (Patroni's default).
const patroniRESTPort = "8008"

func backupHostAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"name":         schema.StringAttribute{Required: true, MarkdownDescription: "Inventory name."},
		"address":      schema.StringAttribute{Required: true, MarkdownDescription: "Address SSH and pgBackRest's TLS servers use."},
		"ssh_host_key": schema.StringAttribute{Optional: true, MarkdownDescription: "Pinned SSH host key; known_hosts when unset."},
	}
}

func backupPlanBareMetalAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"stanza": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Bare metal: name of the protected database (its `ha_database` `name`); its Patroni scope is the " +
				"pgBackRest stanza. Changing it replaces the plan.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"database_hosts": schema.ListNestedAttribute{
			Optional: true,
			MarkdownDescription: "Bare metal: the database's hosts (its `hosts`): each gets pgBackRest's configuration and TLS server, " +
				"and archives its WAL to the repository; archiving is turned on through their Patroni REST APIs. Changing them " +
				"replaces the plan, as they replace the database (a new cluster needs a new stanza).",
			NestedObject:  schema.NestedAttributeObject{Attributes: backupHostAttributes()},
			PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
		},
		"repository_host": schema.SingleNestedAttribute{
			Optional: true,
			MarkdownDescription: "Bare metal: the host of another site (`copy_to_location`) that holds the encrypted pgBackRest repository " +
				"and runs the backups on the schedule (cron). Changing it replaces the plan (a new repository; the old one is removed unless `keep_snapshots`).",
			Attributes:    backupHostAttributes(),
			PlanModifiers: []planmodifier.Object{objectplanmodifier.RequiresReplace()},
		},
		"passphrase": schema.StringAttribute{
			Optional: true, Sensitive: true,
			MarkdownDescription: "Bare metal: the repository cipher's passphrase (aes-256-cbc), required when `encrypted`. Written only " +
				"into pgBackRest's configuration files (mode 0600) on the repository and database hosts; never logged. Without it, " +
				"nothing in the repository can be restored: keep it outside this state too. Changing it replaces the plan.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
	}
}

type backupHostModel struct {
	Name       types.String `tfsdk:"name"`
	Address    types.String `tfsdk:"address"`
	SSHHostKey types.String `tfsdk:"ssh_host_key"`
}

func (h backupHostModel) host() backupplan.Host {
	return backupplan.Host{Name: h.Name.ValueString(), Address: h.Address.ValueString(), HostKey: h.SSHHostKey.ValueString()}
}

// bareMetal is the backend's part of m's spec; nil without a repository
// host (clouds, or an import that has not been applied yet).
func (m *backupPlanModel) bareMetal(ctx context.Context) (*backupplan.BareMetal, diag.Diagnostics) {
	var diags diag.Diagnostics
	if m.RepositoryHost.IsNull() || m.RepositoryHost.IsUnknown() {
		return nil, diags
	}
	var repo backupHostModel
	diags.Append(m.RepositoryHost.As(ctx, &repo, basetypes.ObjectAsOptions{})...)
	var hosts []backupHostModel
	if !m.DatabaseHosts.IsNull() && !m.DatabaseHosts.IsUnknown() {
		diags.Append(m.DatabaseHosts.ElementsAs(ctx, &hosts, false)...)
	}
	bm := &backupplan.BareMetal{
		Stanza:     patroni.Scope(m.Stanza.ValueString()),
		RepoHost:   repo.host(),
		Passphrase: m.Passphrase.ValueString(),
	}
	for _, h := range hosts {
		bm.DBHosts = append(bm.DBHosts, h.host())
		bm.PatroniAPIs = append(bm.PatroniAPIs, net.JoinHostPort(h.Address.ValueString(), patroniRESTPort))
	}
	return bm, diags
}

// planBareMetal checks a bare-metal plan before anything is made: the
// hosts, the stanza, the passphrase of an encrypted repository, a
// repository outside the database's site and a schedule cron can run.
// What is unknown yet (hosts of an allocation not applied) is checked at
// the plan that knows it.
func (r *backupPlanResource) planBareMetal(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var m backupPlanModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &m)...)
	if resp.Diagnostics.HasError() || cloudOf(m.Cloud) != backend.BareMetal {
		return
	}
	missing := func(attr, what string) {
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Missing "+attr, fmt.Sprintf("A bare_metal backup plan (pgBackRest) needs %s.", what))
	}
	if m.RepositoryHost.IsNull() {
		missing("repository_host", "repository_host: a host of another site (copy_to_location) for the repository")
	}
	if m.DatabaseHosts.IsNull() || (!m.DatabaseHosts.IsUnknown() && len(m.DatabaseHosts.Elements()) == 0) {
		missing("database_hosts", "database_hosts: the hosts of the database it protects")
	}
	if m.Stanza.IsNull() || (!m.Stanza.IsUnknown() && m.Stanza.ValueString() == "") {
		missing("stanza", "stanza: the name of the database it protects")
	}
	if m.Encrypted.ValueBool() && m.Passphrase.IsNull() {
		missing("passphrase", "passphrase when encrypted (the repository cipher's)")
	}
	known := !m.RepositoryHost.IsUnknown() && !m.DatabaseHosts.IsUnknown() && !m.Stanza.IsUnknown() &&
		!m.Passphrase.IsUnknown() && !m.Schedule.IsUnknown() && !m.Encrypted.IsUnknown()
	if resp.Diagnostics.HasError() || !known {
		return
	}
	for _, v := range append(m.DatabaseHosts.Elements(), m.RepositoryHost) {
		if tv, err := v.ToTerraformValue(ctx); err != nil || !tv.IsFullyKnown() {
			return
		}
	}
	spec, diags := m.spec(ctx)
	resp.Diagnostics.Append(diags...)
	if err := pgbackrest.Check(spec); err != nil {
		resp.Diagnostics.AddError("Invalid bare-metal backup plan", fmt.Sprintf("Backup plan %s: %s.", m.Name.ValueString(), err))
	}
}
