package inventory

import (
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory/invgen"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// BenchmarkParse10k parses and validates a generated inventory of 10,000
// dual-corded hosts in 500 racks, as `inventory validate` does.
func BenchmarkParse10k(b *testing.B) {
	src := invgen.Generate(invgen.Size{Hosts: 10000, Racks: 500})
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, diags := Parse(lang.NewParser(), "gen.hcl", src, Options{})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
