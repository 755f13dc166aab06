// Package cachegroup is the AWS backend of the cache component: an
// ElastiCache (Redis OSS or Valkey) replication group with cluster mode
// disabled, one primary and its replicas spread over the zones, Multi-AZ
// with automatic failover, encryption in transit and at rest.
package cachegroup

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/cache"
)

func init() {
	cache.Register(backend.AWS, func(_ context.Context, s *backend.Settings, _ string) (cache.Backend, error) {
		// A lost location is refused by the session itself, call by call.
		sess, err := awsbase.SessionFrom(s)
		if err != nil {
			return nil, err
		}
		return New(sess), nil
	})
}

// Backend implements cache.Backend on ElastiCache.
type Backend struct {
	session *awsbase.Session
	// PollInterval is how often Apply and Delete look at the group's state.
	PollInterval time.Duration
}

var _ cache.Backend = (*Backend)(nil)

// New returns the ElastiCache backend on a session.
func New(s *awsbase.Session) *Backend { return &Backend{session: s, PollInterval: 10 * time.Second} }

type client struct {
	api      *elasticache.Client
	emulator bool
}

func (b *Backend) client(ctx context.Context, location string) (*client, error) {
	cfg, err := b.session.Config(ctx, location)
	if err != nil {
		return nil, err
	}
	return &client{api: elasticache.NewFromConfig(cfg), emulator: cfg.BaseEndpoint != nil}, nil
}

// optional is for calls an endpoint override may lack: a 500 or 501 is
// then "not implemented" at once rather than retried.
func (c *client) optional(o *elasticache.Options) {
	if c.emulator {
		o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1)
	}
}

func (c *client) notImplemented(op string, err error) error {
	if c.emulator && (awsbase.IsServerError(err) || awsbase.HTTPStatus(err) == 404 || awsbase.ErrorCode(err) == "InvalidAction") {
		return fmt.Errorf("%s: %w", op, cache.ErrNotImplemented)
	}
	return err
}

func tagsOf(spec cache.Spec) []types.Tag {
	all := awsbase.Tags(spec.Tags, spec.Blueprint, spec.Component)
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(all[k])})
	}
	return out
}

// Apply creates the group (previous nil) or changes it in place: tags, and
// node type, engine version, replica count, Multi-AZ and failover through
// ModifyReplicationGroup / IncreaseReplicaCount / DecreaseReplicaCount.
// Encryption settings are fixed at creation (the resource replaces).
func (b *Backend) Apply(ctx context.Context, spec cache.Spec, previous *cache.Status) (*cache.Status, error) {
	c, err := b.client(ctx, spec.Location)
	if err != nil {
		return nil, err
	}
	if previous == nil {
		azs := make([]string, 0, spec.Replicas+1)
		for i := 0; i <= spec.Replicas && len(spec.Zones) > 0; i++ {
			azs = append(azs, spec.Zones[i%len(spec.Zones)])
		}
		in := &elasticache.CreateReplicationGroupInput{
			ReplicationGroupId:          sdkaws.String(spec.Name),
			ReplicationGroupDescription: sdkaws.String(describe(spec)),
			Engine:                      sdkaws.String(spec.Engine),
			EngineVersion:               sdkaws.String(spec.EngineVersion),
			CacheNodeType:               sdkaws.String(spec.NodeType),
			NumCacheClusters:            sdkaws.Int32(int32(spec.Replicas + 1)),
			PreferredCacheClusterAZs:    azs,
			MultiAZEnabled:              sdkaws.Bool(spec.MultiAZ),
			AutomaticFailoverEnabled:    sdkaws.Bool(spec.AutomaticFailover),
			TransitEncryptionEnabled:    sdkaws.Bool(spec.TransitEncryption),
			AtRestEncryptionEnabled:     sdkaws.Bool(spec.AtRestEncryption),
			Tags:                        tagsOf(spec),
		}
		if c.emulator {
			// An endpoint override may size a cluster-mode-disabled group
			// from ReplicasPerNodeGroup only; AWS takes NumCacheClusters.
			in.ReplicasPerNodeGroup = sdkaws.Int32(int32(spec.Replicas))
		}
		_, err := c.api.CreateReplicationGroup(ctx, in)
		if awsbase.ErrorCode(err) == "ReplicationGroupAlreadyExists" && b.rawState(ctx, c, spec.Name) == "deleting" {
			// The name is free again only once the old group is gone.
			if c.emulator {
				return nil, fmt.Errorf("create replication group %s: a group of this name is still being deleted, and this AWS endpoint never finishes deleting one: %w", spec.Name, cache.ErrNotImplemented)
			}
			if err := awsbase.WaitUntil(ctx, "replication group "+spec.Name+" deleted", b.PollInterval, func(ctx context.Context) (bool, error) {
				return b.rawState(ctx, c, spec.Name) == "", nil
			}); err != nil {
				return nil, err
			}
			_, err = c.api.CreateReplicationGroup(ctx, in)
		}
		if awsbase.ErrorCode(err) == "ReplicationGroupAlreadyExists" {
			// A run killed after the create (or an answer lost on the
			// way) left the group without state: adopt this component's
			// own, refuse anyone else's.
			if err := b.checkOwner(ctx, c, spec); err != nil {
				return nil, err
			}
		} else if err != nil {
			return nil, fmt.Errorf("create replication group %s: %w", spec.Name, err)
		}
		return b.wait(ctx, c, spec, nil)
	}
	prev := previous.Spec
	if err := b.setTags(ctx, c, previous.ID, spec); err != nil {
		return nil, err
	}
	mod := &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: sdkaws.String(spec.Name), ApplyImmediately: sdkaws.Bool(true)}
	changed := false
	if spec.NodeType != prev.NodeType {
		mod.CacheNodeType, changed = sdkaws.String(spec.NodeType), true
	}
	if spec.EngineVersion != prev.EngineVersion {
		mod.EngineVersion, changed = sdkaws.String(spec.EngineVersion), true
	}
	if spec.MultiAZ != prev.MultiAZ {
		mod.MultiAZEnabled, changed = sdkaws.Bool(spec.MultiAZ), true
	}
	if spec.AutomaticFailover != prev.AutomaticFailover {
		mod.AutomaticFailoverEnabled, changed = sdkaws.Bool(spec.AutomaticFailover), true
	}
	if changed {
		if _, err := c.api.ModifyReplicationGroup(ctx, mod, c.optional); err != nil {
			return nil, fmt.Errorf("modify replication group %s: %w", spec.Name, c.notImplemented("ModifyReplicationGroup", err))
		}
		if _, err := b.wait(ctx, c, spec, previous); err != nil {
			return nil, err
		}
	}
	if spec.Replicas != prev.Replicas {
		n := sdkaws.Int32(int32(spec.Replicas))
		if spec.Replicas > prev.Replicas {
			_, err = c.api.IncreaseReplicaCount(ctx, &elasticache.IncreaseReplicaCountInput{ReplicationGroupId: sdkaws.String(spec.Name), NewReplicaCount: n, ApplyImmediately: sdkaws.Bool(true)}, c.optional)
			err = c.notImplemented("IncreaseReplicaCount", err)
		} else {
			_, err = c.api.DecreaseReplicaCount(ctx, &elasticache.DecreaseReplicaCountInput{ReplicationGroupId: sdkaws.String(spec.Name), NewReplicaCount: n, ApplyImmediately: sdkaws.Bool(true)}, c.optional)
			err = c.notImplemented("DecreaseReplicaCount", err)
		}
		if err != nil {
			return nil, fmt.Errorf("change replicas of %s: %w", spec.Name, err)
		}
	}
	return b.wait(ctx, c, spec, previous)
}

// checkOwner fails unless the existing group of spec's name carries spec's
// ha:component tag (the create writes the tags with the group, so a group
// of this component's always has it).
func (b *Backend) checkOwner(ctx context.Context, c *client, spec cache.Spec) error {
	out, err := c.api.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: sdkaws.String(spec.Name)})
	if err != nil {
		return fmt.Errorf("read existing replication group %s: %w", spec.Name, err)
	}
	if len(out.ReplicationGroups) == 0 {
		return fmt.Errorf("create replication group %s: the name is taken, and no group of that name can be read", spec.Name)
	}
	tags, err := c.api.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: out.ReplicationGroups[0].ARN})
	if err != nil {
		return fmt.Errorf("read tags of existing replication group %s: %w", spec.Name, err)
	}
	owner := ""
	for _, t := range tags.TagList {
		if sdkaws.ToString(t.Key) == awsbase.TagComponent {
			owner = sdkaws.ToString(t.Value)
		}
	}
	if want := awsbase.Tags(spec.Tags, spec.Blueprint, spec.Component)[awsbase.TagComponent]; owner != want {
		return fmt.Errorf("create replication group %s: a group of that name exists and is not this component's (ha:component %q)", spec.Name, owner)
	}
	return nil
}

// rawState is the group's status as ElastiCache reports it, "" when there
// is none (or it cannot be read).
func (b *Backend) rawState(ctx context.Context, c *client, name string) string {
	out, err := c.api.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: sdkaws.String(name)})
	if err != nil || len(out.ReplicationGroups) == 0 {
		return ""
	}
	return sdkaws.ToString(out.ReplicationGroups[0].Status)
}

func describe(spec cache.Spec) string {
	d := "ha cache " + spec.Name
	if spec.Component != "" {
		d += " (component " + spec.Component + ")"
	}
	return d
}

func (b *Backend) setTags(ctx context.Context, c *client, arn string, spec cache.Spec) error {
	have, err := c.api.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: sdkaws.String(arn)})
	if err != nil {
		return fmt.Errorf("read tags of %s: %w", spec.Name, err)
	}
	want := awsbase.Tags(spec.Tags, spec.Blueprint, spec.Component)
	var drop []string
	for _, t := range have.TagList {
		if _, ok := want[sdkaws.ToString(t.Key)]; !ok {
			drop = append(drop, sdkaws.ToString(t.Key))
		}
	}
	if len(drop) > 0 {
		if _, err := c.api.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{ResourceName: sdkaws.String(arn), TagKeys: drop}); err != nil {
			return fmt.Errorf("untag %s: %w", spec.Name, err)
		}
	}
	if ts := tagsOf(spec); len(ts) > 0 {
		if _, err := c.api.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: sdkaws.String(arn), Tags: ts}); err != nil {
			return fmt.Errorf("tag %s: %w", spec.Name, err)
		}
	}
	return nil
}

// wait polls until the group is available, then reads it.
func (b *Backend) wait(ctx context.Context, c *client, spec cache.Spec, previous *cache.Status) (*cache.Status, error) {
	var st *cache.Status
	err := awsbase.WaitUntil(ctx, "replication group "+spec.Name+" available", b.PollInterval, func(ctx context.Context) (bool, error) {
		var err error
		st, err = b.read(ctx, c, spec, previous)
		if err != nil {
			return false, err
		}
		return st.State == "available", nil
	})
	return st, err
}

// Read returns the group as ElastiCache holds it.
func (b *Backend) Read(ctx context.Context, spec cache.Spec, previous *cache.Status) (*cache.Status, error) {
	c, err := b.client(ctx, spec.Location)
	if err != nil {
		return nil, err
	}
	return b.read(ctx, c, spec, previous)
}

func (b *Backend) read(ctx context.Context, c *client, spec cache.Spec, previous *cache.Status) (*cache.Status, error) {
	out, err := c.api.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: sdkaws.String(spec.Name)})
	if err != nil {
		if awsbase.IsNotFound(err, "ReplicationGroupNotFoundFault") {
			return nil, backend.NotFound("replication group", spec.Name)
		}
		return nil, fmt.Errorf("read replication group %s: %w", spec.Name, err)
	}
	if len(out.ReplicationGroups) == 0 {
		return nil, backend.NotFound("replication group", spec.Name)
	}
	g := out.ReplicationGroups[0]
	st := &cache.Status{ID: sdkaws.ToString(g.ARN), State: sdkaws.ToString(g.Status)}
	if st.State == "deleting" {
		return nil, backend.NotFound("replication group", spec.Name)
	}
	s := cache.Spec{Meta: backend.Meta{Name: spec.Name, Location: spec.Location}}
	s.Engine = sdkaws.ToString(g.Engine)
	s.NodeType = sdkaws.ToString(g.CacheNodeType)
	s.Replicas = max(len(g.MemberClusters)-1, 0)
	s.MultiAZ = g.MultiAZ == types.MultiAZStatusEnabled
	s.AutomaticFailover = g.AutomaticFailover == types.AutomaticFailoverStatusEnabled || g.AutomaticFailover == types.AutomaticFailoverStatusEnabling
	s.TransitEncryption = sdkaws.ToBool(g.TransitEncryptionEnabled)
	s.AtRestEncryption = sdkaws.ToBool(g.AtRestEncryptionEnabled)
	if len(g.NodeGroups) > 0 {
		ng := g.NodeGroups[0]
		if e := ng.PrimaryEndpoint; e != nil {
			st.PrimaryEndpoint = fmt.Sprintf("%s:%d", sdkaws.ToString(e.Address), sdkaws.ToInt32(e.Port))
			st.Port = int(sdkaws.ToInt32(e.Port))
		}
		if e := ng.ReaderEndpoint; e != nil {
			st.ReaderEndpoint = fmt.Sprintf("%s:%d", sdkaws.ToString(e.Address), sdkaws.ToInt32(e.Port))
		}
		zones := map[string]bool{}
		for _, m := range ng.NodeGroupMembers {
			if z := sdkaws.ToString(m.PreferredAvailabilityZone); z != "" {
				zones[z] = true
			}
		}
		for z := range zones {
			s.Zones = append(s.Zones, z)
		}
		sort.Strings(s.Zones)
	}
	// The engine version lives on the member clusters.
	if len(g.MemberClusters) > 0 {
		cc, err := c.api.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: sdkaws.String(g.MemberClusters[0])}, c.optional)
		if err == nil && len(cc.CacheClusters) > 0 {
			s.EngineVersion = sdkaws.ToString(cc.CacheClusters[0].EngineVersion)
			if s.Engine == "" {
				s.Engine = sdkaws.ToString(cc.CacheClusters[0].Engine)
			}
		}
	}
	if s.EngineVersion == "" && previous != nil {
		s.EngineVersion = previous.Spec.EngineVersion
	}
	if s.EngineVersion == "" {
		s.EngineVersion = spec.EngineVersion
	}
	if s.Engine == "" {
		s.Engine = spec.Engine
	}
	if len(s.Zones) == 0 {
		// Members without a reported zone: keep what was asked.
		s.Zones = append([]string(nil), spec.Zones...)
		if previous != nil && len(s.Zones) == 0 {
			s.Zones = append([]string(nil), previous.Spec.Zones...)
		}
	}
	tags, err := c.api.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: g.ARN})
	if err != nil {
		return nil, fmt.Errorf("read tags of %s: %w", spec.Name, err)
	}
	all := map[string]string{}
	for _, t := range tags.TagList {
		all[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
	}
	s.Tags = awsbase.UserTags(all)
	s.Blueprint, s.Component = all[awsbase.TagBlueprint], all[awsbase.TagComponent]
	st.Spec = s
	return st, nil
}

// Delete removes the group and waits until it is gone.
func (b *Backend) Delete(ctx context.Context, st *cache.Status) error {
	c, err := b.client(ctx, st.Spec.Location)
	if err != nil {
		return err
	}
	name := st.Spec.Name
	if _, err := c.api.DeleteReplicationGroup(ctx, &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: sdkaws.String(name)}); err != nil {
		if awsbase.IsNotFound(err, "ReplicationGroupNotFoundFault") {
			return nil
		}
		if !strings.Contains(awsbase.ErrorCode(err), "InvalidReplicationGroupState") {
			return fmt.Errorf("delete replication group %s: %w", name, err)
		}
	}
	return awsbase.WaitUntil(ctx, "replication group "+name+" deleted", b.PollInterval, func(ctx context.Context) (bool, error) {
		_, err := b.read(ctx, c, st.Spec, st)
		if errors.Is(err, backend.ErrNotFound) {
			return true, nil
		}
		return false, err
	})
}
