package acceptance

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The stock two-region GCP blueprint (gcp-web-active-passive: a web tier
// in europe-west1 and europe-west4) through modules/stack, under both
// CLIs: apply, an empty second plan, gcloud sees each region's group
// (stable, on a template of the tier's machine type), its autoscaler and
// its load balancer on the address the module reports; destroy leaves
// nothing gcloud can see.
func TestAccGCPStack_webActivePassive(t *testing.T) {
	PreCheck(t)
	for _, cli := range CLIs(t) {
		t.Run(cli.Name, func(t *testing.T) {
			useGCP(t)
			bp := filepath.Join(RepoRoot(), "blueprints", "stock", "gcp-web-active-passive.ha.hcl")
			tf := newCLI(t, cli, t.TempDir(), stackConfig(bp)+`
output "gcp_load_balancers" {
  value = module.stack.gcp_load_balancers
}
`)
			names := []string{"gweb-belgium-web", "gweb-netherlands-web"}
			t.Cleanup(func() {
				if t.Failed() {
					_, _ = tf.try("destroy", "-auto-approve", "-input=false")
				}
			})
			tf.apply()
			st := tf.state()
			var lbs map[string]struct {
				Address  string `json:"address"`
				Location string `json:"location"`
			}
			if err := json.Unmarshal([]byte(tf.output("gcp_load_balancers")), &lbs); err != nil {
				t.Fatal(err)
			}
			for i, region := range []string{"belgium", "netherlands"} {
				name, location := names[i], map[string]string{"belgium": "europe-west1", "netherlands": "europe-west4"}[region]
				st.expect(fmt.Sprintf(`module.stack.ha_scaling_group.this["%s/web/scaling_group"]`, region), "cloud", "gcp")
				lbAddr := fmt.Sprintf(`module.stack.ha_load_balancer.this["%s/web/load_balancer"]`, region)
				st.expect(lbAddr, "cloud", "gcp")
				lb := lbs[region+"/web/load_balancer"]
				if lb.Location != location || lb.Address == "" || lb.Address != st.attr(lbAddr, "address") {
					t.Errorf("module output for %s: %+v, state address %q", region, lb, st.attr(lbAddr, "address"))
				}
				mig, err := gcloudObject("compute", "instance-groups", "managed", "describe", name, "--region", location)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(mig)
				as, _ := mig["autoscaler"].(map[string]any)
				pol, _ := as["autoscalingPolicy"].(map[string]any)
				if !strings.Contains(string(b), `"isStable":true`) || fmt.Sprint(mig["targetSize"]) != "2" ||
					fmt.Sprint(pol["minNumReplicas"]) != "2" || fmt.Sprint(pol["maxNumReplicas"]) != "8" {
					t.Errorf("%s: group or autoscaler not as the blueprint says (stable, 2 instances, 2 to 8): %s", name, b)
				}
				dist, _ := json.Marshal(mig["distributionPolicy"])
				for _, z := range map[string][]string{"belgium": {"europe-west1-b", "europe-west1-c"}, "netherlands": {"europe-west4-a", "europe-west4-b"}}[region] {
					if !strings.Contains(string(dist), "zones/"+z+`"`) {
						t.Errorf("%s: not spread over the region's zone %s: %s", name, z, dist)
					}
				}
				rule, err := gcloudObject("compute", "forwarding-rules", "describe", name, "--global")
				if err != nil {
					t.Fatal(err)
				}
				if rule["IPAddress"] != lb.Address || fmt.Sprint(rule["portRange"]) != "80-80" && fmt.Sprint(rule["portRange"]) != "80" {
					t.Errorf("%s: forwarding rule %v, want port 80 on %s", name, rule, lb.Address)
				}
				if err := gcpGroupServes(name, location)(nil); err != nil {
					t.Error(err)
				}
			}
			tf.planEmpty()
			tf.destroy()
			if st := tf.state(); len(st.resources) != 0 {
				t.Errorf("state after destroy: %v", st.resources)
			}
			if left, err := gcpLeftovers(names...); err != nil || len(left) > 0 {
				t.Errorf("after destroy: %v %v", left, err)
			}
		})
	}
}
