package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
)

// A DNS API that is down (Route 53 is global; a real outage of it is rare
// but is most likely on the day a region is lost) must not stop a
// disaster-recovery apply: refresh keeps the records' last known state with
// a warning, so plan goes through and promotion and rebuild are applied, and
// the DNS change itself fails with a diagnostic that says it is what remains
// and how to finish it.

// dnsOutage reports an error meaning the DNS API could not be reached or
// kept failing after retries, as opposed to an answer refusing the change.
func dnsOutage(err error) bool {
	return awsbackend.UnreachableLocation(err) != "" || awsbackend.IsUnreachable(err) || awsbackend.IsTransient(err)
}

// keepDNSOnOutage is for Read: on an outage it warns and reports true, and
// the caller returns without touching the state (the prior state stays).
func keepDNSOnOutage(diags *diag.Diagnostics, fqdn string, err error) bool {
	if !dnsOutage(err) {
		return false
	}
	diags.AddWarning("DNS API unreachable: kept the last known state of "+fqdn,
		fmt.Sprintf("Reading the records of %s failed: %v\n\nThe last known state is kept so that the rest of the plan (promotion, rebuild) can go ahead. "+
			"Run `terraform apply` again once the DNS API answers to bring the records up to date.", fqdn, err))
	return true
}

// dnsChangeError is the summary and detail of a failed DNS change; on an
// outage the detail says the DNS step is what remains and how to retry it.
func dnsChangeError(summary, fqdn string, err error) (string, string) {
	if !dnsOutage(err) {
		return summary, err.Error()
	}
	return summary + ": DNS step remains", fmt.Sprintf("%v\n\nThe DNS API could not be reached or kept failing after retries, so the records of %s were not changed. "+
		"Everything in this apply that does not depend on them (database promotion, rebuilt regions) was applied on its own. "+
		"What remains is the DNS step: once the DNS API answers, run `terraform apply` again (the same command and variables); it changes only what is left.", err, fqdn)
}
