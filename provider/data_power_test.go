package provider

import (
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/config"
)

func TestAllocationClaims(t *testing.T) {
	d := newProviderData(config.Config{})
	c := d.allocationClaims()
	if c != d.allocationClaims() {
		t.Fatal("claims not shared within one provider data")
	}
	if other := newProviderData(config.Config{}).allocationClaims(); other == c {
		t.Fatal("claims shared across configurations")
	}
	if err := c.claim("web", []string{"h1", "h2"}); err != nil {
		t.Fatal(err)
	}
	err := c.claim("db", []string{"h3", "h2"})
	if err == nil || !strings.Contains(err.Error(), `h2 (held by "web")`) {
		t.Fatalf("double booking not reported: %v", err)
	}
	if got := c.others("db"); len(got) != 2 || got["h1"] != "web" {
		t.Fatalf("others(db) = %v", got)
	}
	// Re-claiming replaces what an allocation held.
	if err := c.claim("web", []string{"h1"}); err != nil {
		t.Fatal(err)
	}
	if err := c.claim("db", []string{"h2"}); err != nil {
		t.Fatalf("h2 was released by web: %v", err)
	}
	if got := c.others("web"); len(got) != 1 || got["h2"] != "db" {
		t.Fatalf("others(web) = %v", got)
	}
}
