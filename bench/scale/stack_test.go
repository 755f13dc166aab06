package main

import (
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
)

// The benchmark's blueprints compile (a rule the language gained, such as
// Route 53 failover holding two regions, once broke them silently) and have
// the component count stackShape promises.
func TestStackBlueprintCompiles(t *testing.T) {
	for _, n := range []int{100, 1000} {
		tiers, dbs, total := stackShape(n)
		res, diags := blueprints.Compile("bench.ha.hcl", []byte(stackBlueprint(tiers, dbs)), blueprints.Options{})
		if diags.HasErrors() {
			t.Fatalf("%d components: %s", n, diags.Error())
		}
		if len(res.Components) != total {
			t.Errorf("%d components asked: %d compiled, stackShape says %d", n, len(res.Components), total)
		}
	}
}
