package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestSplitTags(t *testing.T) {
	all := map[string]string{"ha:blueprint": "shop", "ha:component": "east/web/load_balancer", "team": "web"}
	tags, bp, comp := splitTags(all, types.MapNull(types.StringType), types.StringNull(), types.StringNull())
	if bp.ValueString() != "shop" || comp.ValueString() != "east/web/load_balancer" || len(tags.Elements()) != 1 {
		t.Fatalf("got %v %v %v", tags, bp, comp)
	}
	// No user tags and none configured: stays null, no diff.
	tags, _, _ = splitTags(map[string]string{"ha:blueprint": "shop"}, types.MapNull(types.StringType), types.StringNull(), types.StringNull())
	if !tags.IsNull() {
		t.Fatalf("tags = %v, want null", tags)
	}
	// Empty strings write no tag and read back as they were.
	_, bp, comp = splitTags(map[string]string{}, types.MapNull(types.StringType), types.StringValue(""), types.StringValue(""))
	if bp.IsNull() || comp.IsNull() {
		t.Fatalf("empty blueprint/component became null: %v %v", bp, comp)
	}
	// A tag removed out of band is drift: null, not the prior value.
	_, bp, _ = splitTags(map[string]string{}, types.MapNull(types.StringType), types.StringValue("shop"), types.StringNull())
	if !bp.IsNull() {
		t.Fatalf("removed tag kept: %v", bp)
	}
}

func TestKeepOrder(t *testing.T) {
	prior, _ := types.ListValueFrom(t.Context(), types.StringType, []string{"b", "a"})
	if got := keepOrder(prior, []string{"a", "b"}); !got.Equal(prior) {
		t.Fatalf("reordering shown as change: %v", got)
	}
	if got := keepOrder(prior, []string{"a", "c"}); got.Equal(prior) {
		t.Fatal("a real change was hidden")
	}
}
