package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// configure runs Configure with a raw provider configuration.
func configure(t *testing.T, blocks map[string]tftypes.Value) *provider.ConfigureResponse {
	t.Helper()
	p := New("test")()
	var sresp provider.SchemaResponse
	p.Schema(context.Background(), provider.SchemaRequest{}, &sresp)
	if sresp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", sresp.Diagnostics)
	}
	typ := sresp.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := blocks[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	req := provider.ConfigureRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, vals)}}
	resp := &provider.ConfigureResponse{}
	p.Configure(context.Background(), req, resp)
	return resp
}

func blockValue(t *testing.T, block string, set map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	p := New("test")()
	var sresp provider.SchemaResponse
	p.Schema(context.Background(), provider.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(context.Background()).(tftypes.Object).AttributeTypes[block].(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, vals)
}

func TestConfigure_badValuesAreAttributeErrors(t *testing.T) {
	t.Setenv("HA_CONFIG", t.TempDir()+"/none.yaml")
	resp := configure(t, map[string]tftypes.Value{
		"aws": blockValue(t, "aws", map[string]tftypes.Value{
			"endpoint":    tftypes.NewValue(tftypes.String, "not a url"),
			"max_retries": tftypes.NewValue(tftypes.Number, 99),
		}),
		"nut": blockValue(t, "nut", map[string]tftypes.Value{
			"timeout": tftypes.NewValue(tftypes.String, "soon"),
		}),
	})
	if !resp.Diagnostics.HasError() {
		t.Fatal("expected errors")
	}
	var paths []string
	for _, d := range resp.Diagnostics.Errors() {
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			paths = append(paths, wp.Path().String())
		}
		paths = append(paths, d.Summary()+": "+d.Detail())
	}
	joined := strings.Join(paths, "\n")
	for _, want := range []string{"Invalid duration", "nut.timeout", "aws.endpoint", "aws.max_retries", "not an http(s) URL"} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in:\n%s", want, joined)
		}
	}
}

func TestConfigure_envAndBlockMerge(t *testing.T) {
	t.Setenv("HA_CONFIG", t.TempDir()+"/none.yaml")
	t.Setenv("HA_POWERDNS_API_URL", "http://127.0.0.1:1")
	t.Setenv("HA_POWERDNS_API_KEY", "from-env")
	resp := configure(t, map[string]tftypes.Value{
		"powerdns": blockValue(t, "powerdns", map[string]tftypes.Value{
			"api_key": tftypes.NewValue(tftypes.String, "from-block"),
		}),
	})
	if resp.Diagnostics.HasError() {
		t.Fatalf("unexpected: %v", resp.Diagnostics)
	}
	d := resp.ResourceData.(*providerData)
	if d.cfg.PowerDNS.APIURL != "http://127.0.0.1:1" || d.cfg.PowerDNS.APIKey != "from-block" {
		t.Errorf("merge wrong: %+v", d.cfg.PowerDNS)
	}
}

func TestConfigure_gcpBlockReachesBackends(t *testing.T) {
	t.Setenv("HA_CONFIG", t.TempDir()+"/none.yaml")
	t.Setenv("HA_GCP_PROJECT", "from-env")
	t.Setenv("HA_GCP_DNS_ENDPOINT", "http://127.0.0.1:3/dns/v1/")
	resp := configure(t, map[string]tftypes.Value{
		"gcp": blockValue(t, "gcp", map[string]tftypes.Value{
			"project":           tftypes.NewValue(tftypes.String, "from-block"),
			"credentials":       tftypes.NewValue(tftypes.String, `{"type":"service_account"}`),
			"compute_endpoint":  tftypes.NewValue(tftypes.String, "http://127.0.0.1:1/compute/v1/"),
			"sqladmin_endpoint": tftypes.NewValue(tftypes.String, "http://127.0.0.1:2/"),
			"lost_locations":    tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "europe-west1")}),
		}),
	})
	if resp.Diagnostics.HasError() {
		t.Fatalf("unexpected: %v", resp.Diagnostics)
	}
	g := resp.ResourceData.(*providerData).backends.GCP
	if g.Project != "from-block" || g.Credentials != `{"type":"service_account"}` ||
		g.ComputeEndpoint != "http://127.0.0.1:1/compute/v1/" || g.SQLAdminEndpoint != "http://127.0.0.1:2/" ||
		g.DNSEndpoint != "http://127.0.0.1:3/dns/v1/" || len(g.LostLocations) != 1 || g.LostLocations[0] != "europe-west1" {
		t.Errorf("backend settings wrong: %+v", g)
	}
}

func TestConfigure_gcpBadValuesAreAttributeErrors(t *testing.T) {
	t.Setenv("HA_CONFIG", t.TempDir()+"/none.yaml")
	resp := configure(t, map[string]tftypes.Value{
		"gcp": blockValue(t, "gcp", map[string]tftypes.Value{
			"credentials":      tftypes.NewValue(tftypes.String, "/nonexistent/sa-key.json"),
			"compute_endpoint": tftypes.NewValue(tftypes.String, "not a url"),
		}),
	})
	var got []string
	for _, d := range resp.Diagnostics.Errors() {
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			got = append(got, wp.Path().String())
		}
	}
	joined := strings.Join(got, " ")
	for _, want := range []string{"gcp.credentials", "gcp.compute_endpoint"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no error on %s (got %v)", want, resp.Diagnostics)
		}
	}
}
