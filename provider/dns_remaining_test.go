package provider

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
)

// A DNS API outage keeps the refresh going and names the DNS step as what
// remains, with the command to finish it; a refusal stays a plain error.
func TestDNSOutageDiagnostics(t *testing.T) {
	outage := &awsbackend.UnreachableError{Location: "global:route53", Cause: errors.New("connect: connection refused")}
	refusal := errors.New("InvalidChangeBatch: record exists")

	summary, detail := dnsChangeError("Unable to update DNS failover record", "www.shop.test", outage)
	if !strings.Contains(summary, "DNS step remains") || !strings.Contains(detail, "run `terraform apply` again") || !strings.Contains(detail, "www.shop.test") {
		t.Errorf("outage: %q / %q", summary, detail)
	}
	summary, detail = dnsChangeError("Unable to update DNS failover record", "www.shop.test", refusal)
	if strings.Contains(summary, "remains") || detail != refusal.Error() {
		t.Errorf("refusal: %q / %q", summary, detail)
	}

	var d diag.Diagnostics
	if !keepDNSOnOutage(&d, "www.shop.test", outage) || d.HasError() || d.WarningsCount() != 1 {
		t.Errorf("outage on read: %v", d)
	}
	d = nil
	if keepDNSOnOutage(&d, "www.shop.test", refusal) || len(d) != 0 {
		t.Errorf("refusal on read kept state: %v", d)
	}
}
