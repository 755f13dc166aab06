package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// validateTopLevel runs the validators the resource's schema hooks to a
// top-level string or number attribute on v (a string or an int64), and
// returns the error details it reports at that attribute's path.
func validateTopLevel(t *testing.T, r resource.Resource, attr string, v any) []string {
	t.Helper()
	var sr resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &sr)
	a, ok := sr.Schema.Attributes[attr]
	if !ok {
		t.Fatalf("no attribute %q", attr)
	}
	p := path.Root(attr)
	var errs []string
	switch a := a.(type) {
	case schema.StringAttribute:
		for _, vl := range a.Validators {
			resp := &validator.StringResponse{}
			vl.ValidateString(context.Background(), validator.StringRequest{Path: p, ConfigValue: types.StringValue(v.(string))}, resp)
			for _, d := range resp.Diagnostics.Errors() {
				errs = append(errs, d.Summary()+": "+d.Detail())
			}
		}
	case schema.Int64Attribute:
		for _, vl := range a.Validators {
			resp := &validator.Int64Response{}
			vl.ValidateInt64(context.Background(), validator.Int64Request{Path: p, ConfigValue: types.Int64Value(int64(v.(int)))}, resp)
			for _, d := range resp.Diagnostics.Errors() {
				errs = append(errs, d.Summary()+": "+d.Detail())
			}
		}
	default:
		t.Fatalf("attribute %q: %T not handled", attr, a)
	}
	return errs
}

type validationCase struct {
	attr  string
	value any
	ok    bool
}

func runValidationCases(t *testing.T, r resource.Resource, cases []validationCase) {
	t.Helper()
	for _, c := range cases {
		errs := validateTopLevel(t, r, c.attr, c.value)
		if c.ok && len(errs) > 0 {
			t.Errorf("%s = %v refused: %v", c.attr, c.value, errs)
		}
		if !c.ok && len(errs) == 0 {
			t.Errorf("%s = %v accepted; the cloud would refuse it", c.attr, c.value)
		}
	}
}

func TestDatabaseRejectsAtPlan(t *testing.T) {
	runValidationCases(t, NewDatabaseResource(), []validationCase{
		{"name", "shop-east-orders", true},
		{"name", "1orders", false},
		{"name", "orders-", false},
		{"name", "ord--ers", false},
		{"name", "orders_db", false},
		{"name", strings.Repeat("a", 64), false},
		{"instance_class", "db.t3.micro", true},
		{"instance_class", "db.r6g.2xlarge", true},
		{"instance_class", "t3.micro", false},
		{"instance_class", "db.t3", false},
		{"allocated_storage", 20, true},
		{"allocated_storage", 19, false},
		{"allocated_storage", 70000, false},
		{"backup_retention_period", 0, true},
		{"backup_retention_period", 36, false},
		{"username", "ha_admin", true},
		{"username", "_admin", false},
		{"username", "a-b", false},
		{"username", strings.Repeat("u", 17), false},
		{"password", "correct-horse", true},
		{"password", "short", false},
		{"password", "has space inside", false},
		{"password", "has/slash-inside", false},
		{"password", `quote"inside`, false},
		{"password", "at@inside-x", false},
		{"password", strings.Repeat("p", 129), false},
		{"final_snapshot_identifier", "orders-final", true},
		{"final_snapshot_identifier", "orders_final", false},
	})
}

func TestDatabaseReplicaRejectsAtPlan(t *testing.T) {
	runValidationCases(t, NewDatabaseReplicaResource(), []validationCase{
		{"name", "shop-west-orders", true},
		{"name", "-west", false},
		{"instance_class", "db.t3.micro", true},
		{"instance_class", "m5.large", false},
	})
}

func TestLoadBalancerRejectsAtPlan(t *testing.T) {
	runValidationCases(t, NewLoadBalancerResource(), []validationCase{
		{"name", "shop-east-web", true},
		{"name", strings.Repeat("a", 33), false},
		{"name", "-web", false},
		{"name", "web_lb", false},
	})
}

func TestScalingGroupRejectsAtPlan(t *testing.T) {
	runValidationCases(t, NewScalingGroupResource(), []validationCase{
		{"min_size", 0, true},
		{"min_size", -1, false},
		{"max_size", 10001, false},
		{"min_healthy_percentage", 101, false},
		{"name", strings.Repeat("g", 33), false},
	})
}

// A refused password is never repeated in the diagnostic.
func TestPasswordDiagnosticHidesValue(t *testing.T) {
	for _, pw := range []string{"sh0rt", "secret with space", "secret/with/slash"} {
		for _, e := range validateTopLevel(t, NewDatabaseResource(), "password", pw) {
			if strings.Contains(e, pw) {
				t.Errorf("diagnostic repeats the password: %s", e)
			}
		}
	}
}

// A database size of the other cloud is named as such; storage bounds
// follow the cloud (Cloud SQL from 10 GB, RDS from 20 GiB).
func TestDatabaseValuesPerCloud(t *testing.T) {
	for _, c := range []struct {
		cloud          backend.Cloud
		class, summary string
		detail         string
	}{
		{backend.AWS, "db.t3.micro", "", ""},
		{backend.GCP, "db-custom-2-7680", "", ""},
		{backend.GCP, "db.t3.micro", "Instance class of another cloud", `"db.t3.micro" is an AWS database class, but this database is on gcp. Use a class such as "db-custom-2-7680".`},
		{backend.AWS, "db-custom-2-7680", "Instance class of another cloud", `"db-custom-2-7680" is a GCP database class, but this database is on aws.`},
		{backend.GCP, "large", "Invalid instance class", `"large" must be a Cloud SQL tier`},
		{backend.AWS, "t3.micro", "Invalid instance class", `"t3.micro" must be an RDS instance class`},
	} {
		summary, detail := dbClassProblem(c.cloud, c.class)
		if summary != c.summary || !strings.Contains(detail, c.detail) {
			t.Errorf("%s %q: %q %q, want %q containing %q", c.cloud, c.class, summary, detail, c.summary, c.detail)
		}
	}
	for _, c := range []struct {
		cloud backend.Cloud
		gb    int64
		ok    bool
	}{
		{backend.GCP, 10, true}, {backend.GCP, 9, false}, {backend.AWS, 10, false}, {backend.AWS, 20, true},
		{backend.AWS, 65536, true}, {backend.GCP, 65537, false},
	} {
		if p := dbStorageProblem(c.cloud, c.gb); (p == "") != c.ok {
			t.Errorf("%s %d GB: %q, want ok=%v", c.cloud, c.gb, p, c.ok)
		}
	}
}

// Cloud DNS needs a second target and addresses, at plan time.
func TestCloudDNSTargetsAtPlan(t *testing.T) {
	addr := func(name string) dnsFailoverTargetModel {
		return dnsFailoverTargetModel{Name: types.StringValue(name), DNSName: types.StringNull()}
	}
	alias := addr("west")
	alias.DNSName = types.StringValue("lb.example.test")
	for _, c := range []struct {
		targets []dnsFailoverTargetModel
		want    string
	}{
		{[]dnsFailoverTargetModel{addr("east"), addr("west")}, ""},
		{[]dnsFailoverTargetModel{addr("east")}, "Cloud DNS failover with one target"},
		{[]dnsFailoverTargetModel{addr("east"), alias}, "Invalid target"},
	} {
		var diags diag.Diagnostics
		validateCloudDNSTargets(c.targets, &diags)
		got := ""
		if diags.HasError() {
			got = diags.Errors()[0].Summary()
		}
		if got != c.want {
			t.Errorf("%d targets: %q, want %q", len(c.targets), got, c.want)
		}
	}
}

// A replica's source on another cloud is refused at plan time.
func TestCrossCloudSource(t *testing.T) {
	for _, c := range []struct {
		cloud  backend.Cloud
		source string
		bad    bool
	}{
		{backend.AWS, "arn:aws:rds:us-east-1:123456789012:db:orders", false},
		{backend.GCP, "ha-local:us-east1:orders", false},
		{backend.GCP, "arn:aws:rds:us-east-1:123456789012:db:orders", true},
		{backend.AWS, "ha-local:us-east1:orders", true},
		{backend.GCP, "orders", false},
	} {
		if p := crossCloudSource(c.cloud, c.source); (p != "") != c.bad {
			t.Errorf("%s replica of %s: %q, want refused=%v", c.cloud, c.source, p, c.bad)
		}
	}
}
