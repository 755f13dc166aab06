package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var _ datasource.DataSource = &dnsDrillDataSource{}

// NewDNSDrillDataSource is ha_dns_drill: it runs a DNS failover drill when
// read and returns what it measured.
func NewDNSDrillDataSource() datasource.DataSource {
	return &dnsDrillDataSource{}
}

type dnsDrillDataSource struct{}

func (d *dnsDrillDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dns_drill"
}

func (d *dnsDrillDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a DNS failover drill each time it is read (every plan and apply): asks `server` for `name` " +
			"every 100 ms, runs `fail_command`, waits until the answer moves to a standby, runs `restore_command`, waits until " +
			"the primary answers again, and returns the switch and failback times with every change of answer. " +
			"The commands run on the machine running Terraform with `/bin/sh -c`. It breaks things on purpose: keep it " +
			"in a drill configuration, not beside production resources. The same drill is `terraform-provider-ha drill dns`.",
		Attributes: map[string]schema.Attribute{
			"server":          schema.StringAttribute{Required: true, MarkdownDescription: "DNS server to ask, `HOST:PORT` (the authoritative server measures detection; a resolver adds its caching)."},
			"name":            schema.StringAttribute{Required: true, MarkdownDescription: "Name to resolve."},
			"type":            schema.StringAttribute{Optional: true, Validators: []validator.String{stringvalidator.OneOf("A", "AAAA")}, MarkdownDescription: "`A` (default) or `AAAA`."},
			"fail_command":    schema.StringAttribute{Required: true, MarkdownDescription: "Shell command that takes the primary down."},
			"restore_command": schema.StringAttribute{Required: true, MarkdownDescription: "Shell command that brings the primary back. Runs even when the answer never switched."},
			"timeout":         schema.StringAttribute{Optional: true, MarkdownDescription: "How long to wait for the switch, and again for the failback, a Go duration (default `60s`)."},
			"require_switch":  schema.BoolAttribute{Optional: true, MarkdownDescription: "Fail the read when the answer never switches (default true); when false, `switched` says so."},

			"primary":          schema.StringAttribute{Computed: true, MarkdownDescription: "Answer before the fail command (sorted addresses, comma-separated)."},
			"standby":          schema.StringAttribute{Computed: true, MarkdownDescription: "First different answer after it."},
			"switched":         schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the answer moved to a standby within the timeout."},
			"switch_seconds":   schema.Float64Attribute{Computed: true, MarkdownDescription: "Seconds from the end of the fail command to the first standby answer."},
			"failed_back":      schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the primary answered again after the restore command."},
			"failback_seconds": schema.Float64Attribute{Computed: true, MarkdownDescription: "Seconds from the end of the restore command to the primary answering again."},
			"queries":          schema.Int64Attribute{Computed: true, MarkdownDescription: "DNS queries sent."},
			"changes": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Every change of answer, in order.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"at":      schema.StringAttribute{Computed: true, MarkdownDescription: "Time of the answer, RFC 3339 with nanoseconds."},
					"seconds": schema.Float64Attribute{Computed: true, MarkdownDescription: "Seconds since the drill started."},
					"phase":   schema.StringAttribute{Computed: true, MarkdownDescription: "`baseline`, `fail` or `restore`."},
					"answer":  schema.StringAttribute{Computed: true, MarkdownDescription: "Sorted addresses, or the DNS error."},
				}},
			},
		},
	}
}

func (d *dnsDrillDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m dnsDrillModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout := 60 * time.Second
	if v := m.Timeout.ValueString(); v != "" {
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid timeout", fmt.Sprintf("Expected a positive duration such as \"30s\", got %q.", v))
			return
		}
		timeout = t
	}
	var out strings.Builder
	res, err := drill.Run(ctx, drill.Options{
		Server:        m.Server.ValueString(),
		Name:          m.Name.ValueString(),
		Type:          m.Type.ValueString(),
		Fail:          m.FailCommand.ValueString(),
		Restore:       m.RestoreCommand.ValueString(),
		Timeout:       timeout,
		CommandOutput: &limitedWriter{b: &out, max: 4096},
	})
	tolerated := errors.Is(err, drill.ErrNoSwitch) && !m.RequireSwitch.IsNull() && !m.RequireSwitch.ValueBool()
	if err != nil && !tolerated {
		detail := err.Error()
		if out.Len() > 0 {
			detail += "\n\nCommand output:\n" + out.String()
		}
		resp.Diagnostics.AddError("DNS failover drill failed", detail)
		return
	}
	m.Primary = types.StringValue(res.Primary)
	m.Standby = types.StringValue(res.Standby)
	m.Switched = types.BoolValue(res.Switched)
	m.SwitchSeconds = types.Float64Value(res.SwitchSeconds)
	m.FailedBack = types.BoolValue(res.FailedBack)
	m.FailbackSeconds = types.Float64Value(res.FailbackSeconds)
	m.Queries = types.Int64Value(int64(res.Queries))
	changes := make([]attr.Value, len(res.Changes))
	for i, c := range res.Changes {
		changes[i] = types.ObjectValueMust(dnsDrillChangeTypes, map[string]attr.Value{
			"at":      types.StringValue(c.At.UTC().Format(time.RFC3339Nano)),
			"seconds": types.Float64Value(c.Seconds),
			"phase":   types.StringValue(c.Phase),
			"answer":  types.StringValue(c.Answer),
		})
	}
	m.Changes = types.ListValueMust(types.ObjectType{AttrTypes: dnsDrillChangeTypes}, changes)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &m)...)
}

// limitedWriter keeps the first max bytes of the commands' output for the
// diagnostic, and drops the rest.
type limitedWriter struct {
	b   *strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if room := w.max - w.b.Len(); room > 0 {
		if len(p) > room {
			w.b.Write(p[:room])
		} else {
			w.b.Write(p)
		}
	}
	return len(p), nil
}

var dnsDrillChangeTypes = map[string]attr.Type{
	"at":      types.StringType,
	"seconds": types.Float64Type,
	"phase":   types.StringType,
	"answer":  types.StringType,
}

type dnsDrillModel struct {
	Server          types.String  `tfsdk:"server"`
	Name            types.String  `tfsdk:"name"`
	Type            types.String  `tfsdk:"type"`
	FailCommand     types.String  `tfsdk:"fail_command"`
	RestoreCommand  types.String  `tfsdk:"restore_command"`
	Timeout         types.String  `tfsdk:"timeout"`
	RequireSwitch   types.Bool    `tfsdk:"require_switch"`
	Primary         types.String  `tfsdk:"primary"`
	Standby         types.String  `tfsdk:"standby"`
	Switched        types.Bool    `tfsdk:"switched"`
	SwitchSeconds   types.Float64 `tfsdk:"switch_seconds"`
	FailedBack      types.Bool    `tfsdk:"failed_back"`
	FailbackSeconds types.Float64 `tfsdk:"failback_seconds"`
	Queries         types.Int64   `tfsdk:"queries"`
	Changes         types.List    `tfsdk:"changes"`
}
