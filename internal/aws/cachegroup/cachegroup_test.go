package cachegroup_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/cachegroup"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/cache"
)

func TestCacheGroup_lifecycle(t *testing.T) {
	sess := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := cachegroup.New(sess)
	b.PollInterval = 100 * time.Millisecond
	name := fmt.Sprintf("t-sessions-%d", time.Now().UnixNano()%1e6)
	spec := cache.Spec{
		Meta:   backend.Meta{Name: name, Location: "us-east-1", Component: "east/sessions/cache", Tags: map[string]string{"team": "web"}},
		Engine: "valkey", EngineVersion: "7.2", NodeType: "cache.t3.micro", Replicas: 1, Zones: []string{"us-east-1a", "us-east-1b"},
		MultiAZ: true, AutomaticFailover: true, TransitEncryption: true, AtRestEncryption: true,
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := st.Spec
	if got.Replicas != 1 || !got.MultiAZ || !got.AutomaticFailover || !got.TransitEncryption || !got.AtRestEncryption ||
		got.NodeType != "cache.t3.micro" || got.Engine != "valkey" || got.Tags["team"] != "web" || got.Component != "east/sessions/cache" || st.PrimaryEndpoint == "" {
		t.Fatalf("read back %+v %+v", st, got)
	}

	// Independent read.
	cfg, _ := sess.Config(ctx, "us-east-1")
	out, err := elasticache.NewFromConfig(cfg).DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: sdkaws.String(name)})
	if err != nil || len(out.ReplicationGroups[0].MemberClusters) != 2 || out.ReplicationGroups[0].MultiAZ != "enabled" {
		t.Fatalf("in AWS: %+v %v", out, err)
	}

	// Tags change in place.
	spec.Tags = map[string]string{"team": "shop"}
	st2, err := b.Apply(ctx, spec, st)
	if err != nil || st2.Spec.Tags["team"] != "shop" {
		t.Fatalf("tag update: %+v %v", st2, err)
	}

	if err := b.Delete(ctx, st2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx, spec, nil); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if err := b.Delete(ctx, st2); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

// TestCacheGroup_modifyGap records what the local endpoint lacks: changing
// the node type in place (ModifyReplicationGroup) is reported as not
// implemented, not retried and not mistaken for success.
func TestCacheGroup_modifyGap(t *testing.T) {
	sess := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := cachegroup.New(sess)
	b.PollInterval = 100 * time.Millisecond
	spec := cache.Spec{
		Meta:   backend.Meta{Name: fmt.Sprintf("t-gap-%d", time.Now().UnixNano()%1e6), Location: "us-east-1"},
		Engine: "redis", EngineVersion: "7.1", NodeType: "cache.t3.micro", Replicas: 1, Zones: []string{"us-east-1a", "us-east-1b"},
		MultiAZ: true, AutomaticFailover: true, TransitEncryption: true, AtRestEncryption: true,
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Delete(context.Background(), st) })
	spec.NodeType = "cache.t3.small"
	if _, err := b.Apply(ctx, spec, st); !errors.Is(err, cache.ErrNotImplemented) {
		t.Fatalf("node type change on the local endpoint: %v, want not implemented", err)
	}
}

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
	other := spec
	other.Component = "west/other/cache"
	awstest.CheckAdoption(t, func(own bool) (*cache.Status, error) {
		if own {
			return b.Apply(ctx, spec, nil)
		}
		return b.Apply(ctx, other, nil)
	}, func(st *cache.Status) error { return b.Delete(ctx, st) }, func(st *cache.Status) string { return st.ID })
}
