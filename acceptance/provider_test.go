package acceptance

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

// The provider block pointed at every local service plans and applies cleanly
// under both CLIs.
func TestAccProvider_localServices(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.All...)
	cfg := fmt.Sprintf(`
provider "ha" {
  aws {
    endpoint    = %q
    access_key  = "testing"
    secret_key  = "testing"
    max_retries = 3
  }
  powerdns {
    api_url = %q
    api_key = %q
  }
  nut {
    timeout = "2s"
  }
  snmp {
    timeout   = "2s"
    community = "pdu-a"
  }
}

resource "terraform_data" "probe" {
  input = "ok"
}
`, env["HA_AWS_ENDPOINT"], env["HA_POWERDNS_API_URL"], env["HA_POWERDNS_API_KEY"])
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		return resource.TestCase{
			PreCheck: func() { PreCheck(t) },
			Steps: []resource.TestStep{
				{Config: cfg},
				{Config: cfg, PlanOnly: true},
			},
		}
	})
}

// Bad provider settings are attribute-level errors at configure time.
func TestAccProvider_badSettings(t *testing.T) {
	PreCheck(t)
	Test(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: `
provider "ha" {
  aws {
    endpoint    = "not a url"
    max_retries = 99
  }
}
data "ha_blueprint" "x" { source = "" }
`,
			ExpectError: regexp.MustCompile(`(?s)Invalid provider setting.*not an http\(s\) URL`),
		}},
	})
}
