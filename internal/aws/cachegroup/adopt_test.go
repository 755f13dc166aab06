package cachegroup_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/cachegroup"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/cache"
)

// A create that meets a group of its name (a killed run made it) adopts it
// when it carries the component's ha:component tag, and refuses another
// component's.
func TestCacheGroup_createAdoptsOwnRefusesOthers(t *testing.T) {
	sess := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := cachegroup.New(sess)
	b.PollInterval = 100 * time.Millisecond
	spec := cache.Spec{
		Meta:   backend.Meta{Name: fmt.Sprintf("t-adopt-%d", time.Now().UnixNano()%1e6), Location: "us-east-1", Component: "east/sessions/cache"},
		Engine: "valkey", EngineVersion: "7.2", NodeType: "cache.t3.micro", Replicas: 1,
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Delete(ctx, st) }()
	again, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatalf("create over the component's own group: %v", err)
	}
	if again.ID != st.ID {
		t.Fatalf("adopted %q, made %q", again.ID, st.ID)
	}
	other := spec
	other.Component = "west/other/cache"
	if _, err := b.Apply(ctx, other, nil); err == nil || !strings.Contains(err.Error(), "not this component's") {
		t.Fatalf("create over another component's group: %v", err)
	}
}
