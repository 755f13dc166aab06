package acceptance

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
)

// gcloudJSON runs gcloud against the local GCP endpoint (the services set
// CLOUDSDK_API_ENDPOINT_OVERRIDES_* and disable credentials) and decodes
// its JSON output: an observer independent of the provider's client.
func gcloudJSON(args ...string) (any, error) {
	out, err := gcloud(append(args, "--format", "json")...)
	if err != nil {
		return nil, err
	}
	var v any
	return v, json.Unmarshal([]byte(out), &v)
}

// gcloudObject is gcloud's JSON output of a describe.
func gcloudObject(args ...string) (map[string]any, error) {
	v, err := gcloudJSON(args...)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("gcloud %s: not an object: %v", strings.Join(args, " "), v)
	}
	return m, nil
}

// gcloudList is gcloud's JSON output of a list.
func gcloudList(args ...string) ([]map[string]any, error) {
	v, err := gcloudJSON(args...)
	if err != nil {
		return nil, err
	}
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// useGCP starts the local GCP endpoint for the test, shortens the
// provider's operation polls (the endpoint moves operations on by polls,
// not by time) and fails the test on any request or response of it that
// breaks Google's discovery contract.
func useGCP(t *testing.T) {
	t.Helper()
	env := UseServices(t, services.GCP)
	old := gcp.Poll
	gcp.Poll = 25 * time.Millisecond
	t.Cleanup(func() { gcp.Poll = old })
	t.Cleanup(func() { checkGCPContract(t, env["HA_GCP_LOCAL_URL"]) })
}

// checkGCPContract fails t on the endpoint's recorded contract violations.
func checkGCPContract(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/__violations")
	if err != nil {
		t.Errorf("read contract violations: %v", err)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	var v struct {
		Violations []struct {
			Request  string `json:"request"`
			Side     string `json:"side"`
			Warning  bool   `json:"warning"`
			Problems any    `json:"problems"`
		} `json:"violations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Errorf("decode contract violations: %v", err)
		return
	}
	for _, x := range v.Violations {
		if !x.Warning {
			t.Errorf("GCP contract violation (%s of %s): %v", x.Side, x.Request, x.Problems)
		}
	}
}

// gcpCase is one GCP load balancer with the scaling group behind it.
type gcpCase struct {
	name, machineType string
	path              string
	interval          int
	ports             []int
	min, desired, max int
	cpu               int
}

func newGCPCase(name string) gcpCase {
	return gcpCase{name: name, machineType: "e2-small", path: "/healthz", interval: 10, ports: []int{80}, min: 1, desired: 2, max: 4, cpu: 60}
}

func (c gcpCase) config() string {
	listeners := make([]string, 0, len(c.ports))
	for _, p := range c.ports {
		listeners = append(listeners, fmt.Sprintf(`{ port = %d, protocol = "HTTP" }`, p))
	}
	return fmt.Sprintf(`
resource "ha_load_balancer" "web" {
  cloud     = "gcp"
  name      = %[1]q
  location  = "us-east1"
  blueprint = %[1]q
  component = "east/web/load_balancer"
  zones     = ["us-east1-b", "us-east1-c"]
  layer     = 7
  listeners = [%[4]s]
  health_check = {
    protocol            = "HTTP"
    port                = 8080
    path                = %[3]q
    interval            = %[5]d
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
  min_size         = %[6]d
  desired_capacity = %[7]d
  max_size         = %[8]d
  cpu_target       = %[9]d
  target_group_arn = ha_load_balancer.web.target_group_arn
  timeouts {
    create = "5m"
    update = "5m"
  }
}
`, c.name, c.machineType, c.path, strings.Join(listeners, ", "), c.interval, c.min, c.desired, c.max, c.cpu)
}

func gcpComputeConfig(name, machineType, path string) string {
	c := newGCPCase(name)
	c.machineType, c.path = machineType, path
	return c.config()
}

// gcpNothingLeft: gcloud lists no group, autoscaler, template, forwarding
// rule, proxy, URL map, backend service or health check of the test.
func gcpNothingLeft(names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		_, err := gcpLeftovers(names...)
		return err
	}
}

func gcpLeftovers(names ...string) ([]string, error) {
	var left []string
	for _, args := range [][]string{
		{"compute", "instance-groups", "managed", "list"},
		{"compute", "instance-templates", "list"},
		{"compute", "forwarding-rules", "list"},
		{"compute", "target-http-proxies", "list"},
		{"compute", "url-maps", "list"},
		{"compute", "backend-services", "list"},
		{"compute", "health-checks", "list"},
	} {
		items, err := gcloudList(args...)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			for _, n := range names {
				if strings.HasPrefix(fmt.Sprint(it["name"]), n) {
					left = append(left, args[1]+" "+fmt.Sprint(it["name"]))
				}
			}
		}
	}
	if len(left) > 0 {
		return left, fmt.Errorf("left behind (seen by gcloud): %s", strings.Join(left, ", "))
	}
	return nil, nil
}

// gcpSees checks with gcloud that the group is stable on a template of
// machineType and that the load balancer's forwarding rule exists.
func gcpSees(name, machineType string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if err := gcpGroupSees(name, machineType, -1, -1, -1, -1); err != nil {
			return err
		}
		_, err := gcloudJSON("compute", "forwarding-rules", "describe", name, "--global")
		return err
	}
}

// gcpGroupSees checks through gcloud that the regional group is stable,
// every instance runs its template, the template has machineType, and
// (where not -1) the group's size and its autoscaler's bounds and CPU
// target.
func gcpGroupSees(name, machineType string, size, minN, maxN, cpu int) error {
	mig, err := gcloudObject("compute", "instance-groups", "managed", "describe", name, "--region", "us-east1")
	if err != nil {
		return err
	}
	b, _ := json.Marshal(mig)
	if !strings.Contains(string(b), `"isStable":true`) {
		return fmt.Errorf("group %s is not stable after apply: %s", name, b)
	}
	tpl := fmt.Sprint(mig["instanceTemplate"])
	t, err := gcloudObject("compute", "instance-templates", "describe", tpl[strings.LastIndex(tpl, "/")+1:])
	if err != nil {
		return err
	}
	if mt := t["properties"].(map[string]any)["machineType"]; mt != machineType {
		return fmt.Errorf("template machine type %v, want %s", mt, machineType)
	}
	if size >= 0 {
		if got := fmt.Sprint(mig["targetSize"]); got != strconv.Itoa(size) {
			return fmt.Errorf("group %s target size %s, want %d", name, got, size)
		}
		insts, err := gcloudList("compute", "instance-groups", "managed", "list-instances", name, "--region", "us-east1")
		if err != nil {
			return err
		}
		if len(insts) != size {
			return fmt.Errorf("group %s has %d instances, want %d", name, len(insts), size)
		}
		for _, in := range insts {
			v, _ := in["version"].(map[string]any)
			if got := fmt.Sprint(v["instanceTemplate"]); !strings.HasSuffix(got, "/"+tpl[strings.LastIndex(tpl, "/")+1:]) || in["currentAction"] != "NONE" {
				return fmt.Errorf("instance %v runs %s (%v), want the group's template %s, settled", in["name"], got, in["currentAction"], tpl)
			}
		}
	}
	if minN >= 0 {
		as, _ := mig["autoscaler"].(map[string]any)
		pol, _ := as["autoscalingPolicy"].(map[string]any)
		cu, _ := pol["cpuUtilization"].(map[string]any)
		if pol == nil || fmt.Sprint(pol["minNumReplicas"]) != strconv.Itoa(minN) || fmt.Sprint(pol["maxNumReplicas"]) != strconv.Itoa(maxN) ||
			fmt.Sprint(cu["utilizationTarget"]) != strconv.FormatFloat(float64(cpu)/100, 'f', -1, 64) {
			return fmt.Errorf("autoscaler of %s: %v, want min %d, max %d, CPU target %d%%", name, as, minN, maxN, cpu)
		}
	}
	return nil
}

// gcpLoadBalancerSees checks through gcloud that the load balancer has one
// global forwarding rule per port, all on the address state records, and
// a health check probing path every interval seconds.
func gcpLoadBalancerSees(name string, ports []int, path string, interval int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		r := s.RootModule().Resources["ha_load_balancer.web"]
		if r == nil {
			return errors.New("ha_load_balancer.web is not in state")
		}
		address := r.Primary.Attributes["address"]
		rules, err := gcloudList("compute", "forwarding-rules", "list", "--global")
		if err != nil {
			return err
		}
		var got []int
		for _, rule := range rules {
			n := fmt.Sprint(rule["name"])
			if n != name && !regexp.MustCompile(`^`+regexp.QuoteMeta(name)+`-[0-9]+$`).MatchString(n) {
				continue
			}
			if rule["IPAddress"] != address {
				return fmt.Errorf("forwarding rule %s is on %v, state says address %q", n, rule["IPAddress"], address)
			}
			p, _ := strconv.Atoi(strings.SplitN(fmt.Sprint(rule["portRange"]), "-", 2)[0])
			got = append(got, p)
		}
		sort.Ints(got)
		want := append([]int(nil), ports...)
		sort.Ints(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("forwarding rules of %s serve ports %v, want %v", name, got, want)
		}
		hc, err := gcloudObject("compute", "health-checks", "describe", name+"-hc")
		if err != nil {
			return err
		}
		h, _ := hc["httpHealthCheck"].(map[string]any)
		if h["requestPath"] != path || fmt.Sprint(hc["checkIntervalSec"]) != strconv.Itoa(interval) {
			return fmt.Errorf("health check %s-hc probes %v every %vs, want %s every %ds", name, h["requestPath"], hc["checkIntervalSec"], path, interval)
		}
		return nil
	}
}

func TestAccGCPLoadBalancerScalingGroup_basic(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		name := strings.ToLower(uniqueName("acc-gcp-" + cli.Name[:2]))
		return resource.TestCase{
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
		}
	})
}

// Listener and health-check changes are applied in place: the load
// balancer keeps its address (gcloud sees every rule on it), and the
// scaling group behind it is left alone.
func TestAccGCPLoadBalancer_update(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		name := strings.ToLower(uniqueName("acc-glu-" + cli.Name[:2]))
		c := newGCPCase(name)
		two := c
		two.ports, two.path, two.interval = []int{80, 8081}, "/ready", 30
		// The first listener's port changes: its rule is replaced on
		// the same address.
		moved := two
		moved.ports = []int{8081}
		sameAddress := statecheck.CompareValue(compare.ValuesSame())
		return resource.TestCase{
			PreCheck:     func() { PreCheck(t) },
			CheckDestroy: gcpNothingLeft(name),
			Steps: []resource.TestStep{
				{
					Config: c.config(),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_load_balancer.web", tfjsonpath.New("address"), knownvalue.StringRegexp(regexpMust(`^[0-9]+(\.[0-9]+){3}$`))),
						sameAddress.AddStateValue("ha_load_balancer.web", tfjsonpath.New("address")),
					},
					Check: gcpLoadBalancerSees(name, c.ports, c.path, c.interval),
				},
				{
					Config: two.config(),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_load_balancer.web", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("ha_scaling_group.web", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						sameAddress.AddStateValue("ha_load_balancer.web", tfjsonpath.New("address")),
						statecheck.ExpectKnownValue("ha_load_balancer.web", tfjsonpath.New("listeners"), knownvalue.ListSizeExact(2)),
					},
					Check: gcpLoadBalancerSees(name, two.ports, two.path, two.interval),
				},
				{
					Config: moved.config(),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_load_balancer.web", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("ha_scaling_group.web", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						sameAddress.AddStateValue("ha_load_balancer.web", tfjsonpath.New("address")),
					},
					Check: gcpLoadBalancerSees(name, moved.ports, moved.path, moved.interval),
				},
				{
					Config:           moved.config(),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		}
	})
}

// Sizes and the CPU target change in place (the autoscaler, as gcloud sees
// it); a machine type change rolls every instance onto a new template and
// apply returns only when gcloud sees the group stable on it.
func TestAccGCPScalingGroup_update(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		name := strings.ToLower(uniqueName("acc-gsu-" + cli.Name[:2]))
		c := newGCPCase(name)
		sized := c
		sized.min, sized.desired, sized.max, sized.cpu = 3, 3, 5, 75
		rolled := sized
		rolled.machineType = "e2-medium"
		awsType := c
		awsType.machineType = "t3.micro"
		return resource.TestCase{
			PreCheck:     func() { PreCheck(t) },
			CheckDestroy: gcpNothingLeft(name),
			Steps: []resource.TestStep{
				{
					// Bad input is refused at plan time: an AWS instance
					// type, and a zone us-east1 does not have (GCP is asked).
					Config:      awsType.config(),
					PlanOnly:    true,
					ExpectError: wordsRE("Instance type of another cloud", `"t3.micro" is an AWS instance type, but this component is on gcp`),
				},
				{
					Config:      strings.Replace(c.config(), `zones            = ["us-east1-b", "us-east1-c", "us-east1-d"]`, `zones            = ["us-east1-b", "us-east1-a"]`, 1),
					PlanOnly:    true,
					ExpectError: wordsRE("Unknown zone", `"us-east1-a" is not a zone of us-east1, whose zones are us-east1-b, us-east1-c, us-east1-d.`),
				},
				{
					Config: c.config(),
					Check:  func(*terraform.State) error { return gcpGroupSees(name, c.machineType, c.desired, c.min, c.max, c.cpu) },
				},
				{
					Config: sized.config(),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_scaling_group.web", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("ha_scaling_group.web", tfjsonpath.New("launch_template_version"), knownvalue.Int64Exact(1)),
						plancheck.ExpectResourceAction("ha_load_balancer.web", plancheck.ResourceActionNoop),
					}},
					Check: func(*terraform.State) error {
						return gcpGroupSees(name, sized.machineType, sized.desired, sized.min, sized.max, sized.cpu)
					},
				},
				{
					Config: rolled.config(),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_scaling_group.web", plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue("ha_scaling_group.web", tfjsonpath.New("launch_template_version")),
						plancheck.ExpectUnknownValue("ha_scaling_group.web", tfjsonpath.New("launch_template_id")),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_scaling_group.web", tfjsonpath.New("launch_template_version"), knownvalue.Int64Exact(2)),
					},
					Check: func(*terraform.State) error {
						return gcpGroupSees(name, rolled.machineType, rolled.desired, rolled.min, rolled.max, rolled.cpu)
					},
				},
				{
					Config:           rolled.config(),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				},
			},
		}
	})
}

// The load balancer's forwarding rule, proxy and URL map deleted out of
// band through gcloud (what a console user removes as "the load
// balancer"): plan recreates it, apply rebuilds it on the parts left. The
// scaling group plans an in-place update only because its
// target_group_arn is unknown until the load balancer exists again; it
// gets the same backend service back and stays attached.
func TestAccGCPLoadBalancer_disappears(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		name := strings.ToLower(uniqueName("acc-gld-" + cli.Name[:2]))
		cfg := newGCPCase(name).config()
		return resource.TestCase{
			PreCheck:     func() { PreCheck(t) },
			CheckDestroy: gcpNothingLeft(name),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					Check: func(*terraform.State) error {
						for _, args := range [][]string{
							{"compute", "forwarding-rules", "delete", name, "--global", "--quiet"},
							{"compute", "target-http-proxies", "delete", name + "-tp", "--quiet"},
							{"compute", "url-maps", "delete", name + "-um", "--quiet"},
						} {
							if _, err := gcloud(args...); err != nil {
								return err
							}
						}
						return nil
					},
					ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_load_balancer.web", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("ha_scaling_group.web", plancheck.ResourceActionUpdate),
					}},
					ExpectNonEmptyPlan: true,
				},
				{
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_load_balancer.web", plancheck.ResourceActionCreate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						gcpLoadBalancerSees(name, []int{80}, "/healthz", 10),
						gcpGroupServes(name, "us-east1"),
					),
				},
				{Config: cfg, PlanOnly: true},
			},
		}
	})
}

// The group deleted out of band through gcloud (taken out of the backend
// service first, as GCP requires; gcloud removes its autoscaler with it):
// plan recreates it, apply rebuilds group and autoscaler and attaches
// them to the untouched load balancer again.
func TestAccGCPScalingGroup_disappears(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		name := strings.ToLower(uniqueName("acc-gsd-" + cli.Name[:2]))
		c := newGCPCase(name)
		cfg := c.config()
		return resource.TestCase{
			PreCheck:     func() { PreCheck(t) },
			CheckDestroy: gcpNothingLeft(name),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					Check: func(*terraform.State) error {
						for _, args := range [][]string{
							{"compute", "backend-services", "remove-backend", name + "-bs", "--global", "--instance-group", name, "--instance-group-region", "us-east1", "--quiet"},
							{"compute", "instance-groups", "managed", "delete", name, "--region", "us-east1", "--quiet"},
						} {
							if _, err := gcloud(args...); err != nil {
								return err
							}
						}
						return nil
					},
					ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_scaling_group.web", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("ha_load_balancer.web", plancheck.ResourceActionNoop),
					}},
					ExpectNonEmptyPlan: true,
				},
				{
					Config: cfg,
					Check: func(*terraform.State) error {
						if err := gcpGroupSees(name, c.machineType, c.desired, c.min, c.max, c.cpu); err != nil {
							return err
						}
						return gcpGroupServes(name, "us-east1")(nil)
					},
				},
				{Config: cfg, PlanOnly: true},
			},
		}
	})
}

// gcpGroupServes checks through gcloud that the group is a backend of the
// load balancer's backend service.
func gcpGroupServes(name, region string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		bs, err := gcloudObject("compute", "backend-services", "describe", name+"-bs", "--global")
		if err != nil {
			return err
		}
		if b, _ := json.Marshal(bs["backends"]); !strings.Contains(string(b), "/regions/"+region+"/instanceGroups/"+name+`"`) {
			return fmt.Errorf("group %s is not a backend of %s-bs: %s", name, name, b)
		}
		return nil
	}
}
