package acceptance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

// gcloudJSON runs gcloud against the local GCP endpoint (the services set
// CLOUDSDK_API_ENDPOINT_OVERRIDES_* and disable credentials) and decodes
// its JSON output: an observer independent of the provider's client.
func gcloudJSON(args ...string) (any, error) {
	cmd := exec.Command("gcloud", append(args, "--project", os.Getenv("HA_GCP_PROJECT"), "--format", "json")...)
	cmd.Env = append(os.Environ(), "CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true", "CLOUDSDK_CORE_DISABLE_PROMPTS=1")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		return nil, fmt.Errorf("gcloud %s: %w: %s", strings.Join(args, " "), err, stderr)
	}
	var v any
	return v, json.Unmarshal(out, &v)
}

func gcpComputeConfig(name, machineType, path string) string {
	return fmt.Sprintf(`
resource "ha_load_balancer" "web" {
  cloud     = "gcp"
  name      = %[1]q
  location  = "us-east1"
  blueprint = %[1]q
  component = "east/web/load_balancer"
  zones     = ["us-east1-b", "us-east1-c"]
  layer     = 7
  listeners = [{ port = 80, protocol = "HTTP" }]
  health_check = {
    protocol            = "HTTP"
    port                = 8080
    path                = %[3]q
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
    matcher             = "200"
  }
}

resource "ha_scaling_group" "web" {
  cloud            = "gcp"
  name             = %[1]q
  location         = "us-east1"
  blueprint        = %[1]q
  component        = "east/web/scaling_group"
  zones            = ["us-east1-b", "us-east1-c", "us-east1-d"]
  image            = "debian-cloud/debian-12"
  instance_type    = %[2]q
  min_size         = 1
  desired_capacity = 2
  max_size         = 4
  cpu_target       = 60
  target_group_arn = ha_load_balancer.web.target_group_arn
  timeouts {
    create = "5m"
    update = "5m"
  }
}
`, name, machineType, path)
}

// gcpNothingLeft: gcloud lists no group, autoscaler, template, forwarding
// rule or backend service of the test.
func gcpNothingLeft(name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, args := range [][]string{
			{"compute", "instance-groups", "managed", "list"},
			{"compute", "instance-templates", "list"},
			{"compute", "forwarding-rules", "list"},
			{"compute", "backend-services", "list"},
			{"compute", "health-checks", "list"},
		} {
			v, err := gcloudJSON(args...)
			if err != nil {
				return err
			}
			b, _ := json.Marshal(v)
			if strings.Contains(string(b), `"`+name) {
				return fmt.Errorf("left behind (gcloud %s): %s", strings.Join(args, " "), b)
			}
		}
		return nil
	}
}

// gcpSees checks with gcloud that the group, its autoscaler and the load
// balancer's forwarding rule exist.
func gcpSees(name, machineType string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		mig, err := gcloudJSON("compute", "instance-groups", "managed", "describe", name, "--region", "us-east1")
		if err != nil {
			return err
		}
		b, _ := json.Marshal(mig)
		if !strings.Contains(string(b), `"isStable":true`) {
			return fmt.Errorf("group %s is not stable after apply: %s", name, b)
		}
		tpl := mig.(map[string]any)["instanceTemplate"].(string)
		t, err := gcloudJSON("compute", "instance-templates", "describe", tpl[strings.LastIndex(tpl, "/")+1:])
		if err != nil {
			return err
		}
		if mt := t.(map[string]any)["properties"].(map[string]any)["machineType"]; mt != machineType {
			return fmt.Errorf("template machine type %v, want %s", mt, machineType)
		}
		if _, err := gcloudJSON("compute", "instance-groups", "managed", "describe", name, "--region", "us-east1"); err != nil {
			return err
		}
		if _, err := gcloudJSON("compute", "forwarding-rules", "describe", name, "--global"); err != nil {
			return err
		}
		return nil
	}
}

func TestAccGCPLoadBalancerScalingGroup_basic(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.GCP)
	name := uniqueName("acc-gcp")
	name = strings.ToLower(name)
	Test(t, resource.TestCase{
		PreCheck:     func() { PreCheck(t) },
		CheckDestroy: gcpNothingLeft(name),
		Steps: []resource.TestStep{
			{Config: gcpComputeConfig(name, "e2-small", "/healthz"), Check: gcpSees(name, "e2-small")},
			{
				Config:           gcpComputeConfig(name, "e2-small", "/healthz"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				ResourceName: "ha_scaling_group.web", ImportState: true, ImportStateId: "gcp/us-east1/" + name,
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts", "min_healthy_percentage"},
			},
			{
				// A machine type change rolls the group; apply waits until
				// it is stable again on the new template.
				Config: gcpComputeConfig(name, "e2-medium", "/ready"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_scaling_group.web", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("ha_load_balancer.web", plancheck.ResourceActionUpdate),
				}},
				Check: gcpSees(name, "e2-medium"),
			},
		},
	})
}
