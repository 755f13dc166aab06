package provider

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/dbdrill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/patroni"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var _ datasource.DataSource = &databaseDrillDataSource{}

// NewDatabaseDrillDataSource is ha_database_drill: it runs a database
// failover drill when read and returns the RTO and lost writes measured.
func NewDatabaseDrillDataSource() datasource.DataSource {
	return &databaseDrillDataSource{}
}

type databaseDrillDataSource struct{}

func (d *databaseDrillDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_database_drill"
}

func (d *databaseDrillDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a database failover drill each time it is read (every plan and apply): a writer commits a " +
			"numbered row every `interval` through `dsn` (the tier's VIP or HAProxy) or straight to the leader Patroni's REST " +
			"API (`patroni`) names, recording each acknowledged commit; after `warmup` it runs `kill_command`, measures until a " +
			"commit succeeds again (RTO), then counts acknowledged rows missing on the new leader (lost writes). " +
			"The commands run on the machine running Terraform with `/bin/sh -c`. It breaks things on purpose: keep it in a " +
			"drill configuration, not beside production resources. The same drill is `terraform-provider-ha drill database`.",
		Attributes: map[string]schema.Attribute{
			"dsn":             schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Connection string of the VIP or HAProxy (libpq `key=value` or `postgres://` URL). Either this or `patroni`."},
			"patroni":         schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Patroni REST API addresses `HOST:PORT`: the writer goes to the leader they name, and `{leader}` in the commands is its address."},
			"user":            schema.StringAttribute{Optional: true, MarkdownDescription: "Database user with `patroni` (default `postgres`)."},
			"password":        schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Password with `patroni`."},
			"dbname":          schema.StringAttribute{Optional: true, MarkdownDescription: "Database with `patroni` (default `postgres`)."},
			"kill_command":    schema.StringAttribute{Required: true, MarkdownDescription: "Shell command that takes the leader away (postgres killed, link or power cut); `{leader}` is replaced by the leader's address."},
			"restore_command": schema.StringAttribute{Optional: true, MarkdownDescription: "Shell command run after the drill (also when it failed), e.g. to power the old leader's host on again; `{leader}` is the old leader's address."},
			"interval":        schema.StringAttribute{Optional: true, MarkdownDescription: "Time between commits, a Go duration (default `5ms`)."},
			"warmup":          schema.StringAttribute{Optional: true, MarkdownDescription: "Writing before the kill (default `2s`)."},
			"timeout":         schema.StringAttribute{Optional: true, MarkdownDescription: "How long to wait for writes to recover (default `2m`)."},
			"require_no_loss": schema.BoolAttribute{Optional: true, MarkdownDescription: "Fail the read when an acknowledged write was lost (default false: `lost` says so; set it true for synchronous mode)."},

			"recovered":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether writes succeeded again within the timeout."},
			"rto_seconds":     schema.Float64Attribute{Computed: true, MarkdownDescription: "Seconds from the kill to the first successful commit."},
			"acknowledged":    schema.Int64Attribute{Computed: true, MarkdownDescription: "Commits acknowledged to the writer."},
			"failed_attempts": schema.Int64Attribute{Computed: true, MarkdownDescription: "Commits that failed while the leader was away."},
			"lost":            schema.Int64Attribute{Computed: true, MarkdownDescription: "Acknowledged commits missing on the new leader."},
			"lost_ids":        schema.ListAttribute{Computed: true, ElementType: types.Int64Type, MarkdownDescription: "The first (at most 20) lost row numbers."},
			"leader_before":   schema.StringAttribute{Computed: true, MarkdownDescription: "Leader's address before the kill (with `patroni`)."},
			"leader_after":    schema.StringAttribute{Computed: true, MarkdownDescription: "Leader's address after recovery (with `patroni`)."},
		},
	}
}

type databaseDrillModel struct {
	DSN            types.String  `tfsdk:"dsn"`
	Patroni        types.List    `tfsdk:"patroni"`
	User           types.String  `tfsdk:"user"`
	Password       types.String  `tfsdk:"password"`
	DBName         types.String  `tfsdk:"dbname"`
	KillCommand    types.String  `tfsdk:"kill_command"`
	RestoreCommand types.String  `tfsdk:"restore_command"`
	Interval       types.String  `tfsdk:"interval"`
	Warmup         types.String  `tfsdk:"warmup"`
	Timeout        types.String  `tfsdk:"timeout"`
	RequireNoLoss  types.Bool    `tfsdk:"require_no_loss"`
	Recovered      types.Bool    `tfsdk:"recovered"`
	RTOSeconds     types.Float64 `tfsdk:"rto_seconds"`
	Acknowledged   types.Int64   `tfsdk:"acknowledged"`
	FailedAttempts types.Int64   `tfsdk:"failed_attempts"`
	Lost           types.Int64   `tfsdk:"lost"`
	LostIDs        types.List    `tfsdk:"lost_ids"`
	LeaderBefore   types.String  `tfsdk:"leader_before"`
	LeaderAfter    types.String  `tfsdk:"leader_after"`
}

func (d *databaseDrillDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m databaseDrillModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var apis []string
	resp.Diagnostics.Append(m.Patroni.ElementsAs(ctx, &apis, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	dsn := m.DSN.ValueString()
	if dsn == "" && len(apis) == 0 {
		resp.Diagnostics.AddAttributeError(path.Root("dsn"), "Nothing to write to", "Set dsn (the tier's VIP or HAProxy) or patroni (the cluster's REST APIs, to write to the leader).")
		return
	}
	var s dbdrill.Spec
	for _, dur := range []struct {
		attr string
		v    types.String
		into *time.Duration
	}{{"interval", m.Interval, &s.Interval}, {"warmup", m.Warmup, &s.Warmup}, {"timeout", m.Timeout, &s.Timeout}} {
		if v := dur.v.ValueString(); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				resp.Diagnostics.AddAttributeError(path.Root(dur.attr), "Invalid duration", fmt.Sprintf("Expected a positive duration such as \"2s\", got %q.", v))
				return
			}
			*dur.into = t
		}
	}
	def := func(v types.String, d string) string {
		if v.ValueString() == "" {
			return d
		}
		return v.ValueString()
	}
	user, dbname := def(m.User, "postgres"), def(m.DBName, "postgres")
	leader := func(ctx context.Context) (string, error) {
		if len(apis) == 0 {
			return "", nil
		}
		l, err := patroni.FindLeader(ctx, apis)
		if err != nil {
			return "", err
		}
		return l.Host, nil
	}
	if dsn != "" {
		s.Target = func(context.Context) (string, error) { return dsn, nil }
	} else {
		s.Target = func(ctx context.Context) (string, error) {
			l, err := patroni.FindLeader(ctx, apis)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("host=%s port=%d user=%s password='%s' dbname=%s sslmode=disable connect_timeout=2",
				l.Host, l.Port, user, strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(m.Password.ValueString()), dbname), nil
		}
	}
	var out strings.Builder
	w := &limitedWriter{b: &out, max: 4096}
	run := func(ctx context.Context, cmd, who string) error {
		c := exec.CommandContext(ctx, "/bin/sh", "-c", strings.ReplaceAll(cmd, "{leader}", who))
		c.Stdout, c.Stderr = w, w
		return c.Run()
	}
	before, err := leader(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Database drill: no leader", err.Error())
		return
	}
	s.Kill = func(ctx context.Context) error { return run(ctx, m.KillCommand.ValueString(), before) }
	res, err := dbdrill.Run(ctx, s)
	after, _ := leader(ctx)
	if r := m.RestoreCommand.ValueString(); r != "" {
		if rerr := run(ctx, r, before); rerr != nil && err == nil {
			err = fmt.Errorf("restore command: %w", rerr)
		}
	}
	if err != nil {
		detail := err.Error()
		if out.Len() > 0 {
			detail += "\n\nCommand output:\n" + out.String()
		}
		resp.Diagnostics.AddError("Database failover drill failed", detail)
		return
	}
	if !res.Recovered {
		resp.Diagnostics.AddError("Database failover drill: writes did not recover", res.Summary())
		return
	}
	if res.Lost > 0 && m.RequireNoLoss.ValueBool() {
		resp.Diagnostics.AddError("Database failover drill: acknowledged writes lost", fmt.Sprintf("%s (first lost rows %v)", res.Summary(), res.LostIDs))
		return
	}
	m.Recovered = types.BoolValue(res.Recovered)
	m.RTOSeconds = types.Float64Value(res.RTOSeconds)
	m.Acknowledged = types.Int64Value(int64(res.Acked))
	m.FailedAttempts = types.Int64Value(int64(res.Failed))
	m.Lost = types.Int64Value(int64(res.Lost))
	ids := make([]attr.Value, len(res.LostIDs))
	for i, v := range res.LostIDs {
		ids[i] = types.Int64Value(v)
	}
	m.LostIDs = types.ListValueMust(types.Int64Type, ids)
	m.LeaderBefore = types.StringValue(before)
	m.LeaderAfter = types.StringValue(after)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &m)...)
}
