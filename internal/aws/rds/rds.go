// Package rds manages RDS DB instances, read replicas and DB snapshots for
// the ha_database, ha_database_replica and ha_backup_plan resources. It knows
// nothing of Terraform: plain structs in, plain structs and errors out.
package rds

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	sdkrds "github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// ErrNotFound is returned (wrapped) when the instance or snapshot does not
// exist: the cloud-neutral backend.ErrNotFound.
var ErrNotFound = backend.ErrNotFound

// TagPromotedFrom is written on a replica when this provider promotes it, with
// the source ARN as value. Real RDS clears ReadReplicaSourceDBInstanceIdentifier
// on promotion; the local endpoint keeps reporting the old source, and this tag is
// how Read tells a promoted instance from a replica there.
const TagPromotedFrom = "ha:promoted-from"

// pollInterval is how often waiters look; the local endpoint answers at once, RDS takes minutes.
var pollInterval = 5 * time.Second

// Client is the RDS API of one location.
type Client struct {
	api      *sdkrds.Client
	location string
}

// New returns a client for the SDK configuration of one location.
func New(cfg sdkaws.Config) *Client {
	return &Client{api: sdkrds.NewFromConfig(cfg), location: cfg.Region}
}

// Location is the region this client talks to.
func (c *Client) Location() string { return c.location }

// Instance is what the provider keeps of a DB instance.
type Instance struct {
	Identifier            string
	ARN                   string
	Status                string
	Engine                string
	EngineVersion         string
	InstanceClass         string
	AllocatedStorage      int32
	MultiAZ               bool
	StorageEncrypted      bool
	KMSKeyID              string
	DeletionProtection    bool
	BackupRetentionPeriod int32
	BackupWindow          string
	Username              string
	Address               string
	Port                  int32
	// SourceARN is the replication source as the API reports it ("" for a primary).
	SourceARN string
	Tags      map[string]string
}

// IsReplica reports whether the instance still replicates from a source,
// allowing for endpoints that keep a stale source after promotion.
func (i *Instance) IsReplica() bool {
	if i.SourceARN == "" {
		return false
	}
	return i.Tags[TagPromotedFrom] == "" || !sameSource(i.Tags[TagPromotedFrom], i.SourceARN)
}

// sameSource compares sources given as ARN or bare identifier (RDS reports
// same-region sources by identifier, cross-region ones by ARN).
func sameSource(a, b string) bool {
	if a == b {
		return true
	}
	ra, rb := regionOf(a), regionOf(b)
	return identifierOf(a) == identifierOf(b) && (ra == "" || rb == "" || ra == rb)
}

// CreateInput describes a new primary instance.
type CreateInput struct {
	Identifier            string
	Engine                string
	EngineVersion         string
	InstanceClass         string
	AllocatedStorage      int32
	MultiAZ               bool
	StorageEncrypted      bool
	KMSKeyID              string
	DeletionProtection    bool
	BackupRetentionPeriod int32
	Username              string
	Password              string
	Tags                  map[string]string
}

// Create starts a primary DB instance; WaitAvailable follows.
func (c *Client) Create(ctx context.Context, in CreateInput) (*Instance, error) {
	req := &sdkrds.CreateDBInstanceInput{
		DBInstanceIdentifier:  sdkaws.String(in.Identifier),
		Engine:                sdkaws.String(in.Engine),
		DBInstanceClass:       sdkaws.String(in.InstanceClass),
		AllocatedStorage:      sdkaws.Int32(in.AllocatedStorage),
		MultiAZ:               sdkaws.Bool(in.MultiAZ),
		StorageEncrypted:      sdkaws.Bool(in.StorageEncrypted),
		DeletionProtection:    sdkaws.Bool(in.DeletionProtection),
		BackupRetentionPeriod: sdkaws.Int32(in.BackupRetentionPeriod),
		MasterUsername:        sdkaws.String(in.Username),
		MasterUserPassword:    sdkaws.String(in.Password),
		CopyTagsToSnapshot:    sdkaws.Bool(true),
		Tags:                  toTags(in.Tags),
	}
	if in.EngineVersion != "" {
		req.EngineVersion = sdkaws.String(in.EngineVersion)
	}
	if in.KMSKeyID != "" {
		req.KmsKeyId = sdkaws.String(in.KMSKeyID)
	}
	out, err := c.api.CreateDBInstance(ctx, req)
	if err != nil {
		if inst, ok := c.adopt(ctx, in.Identifier, in.Tags, err); ok {
			return inst, nil
		}
		return nil, fmt.Errorf("create DB instance %q in %s: %w", in.Identifier, c.location, err)
	}
	return fromInstance(out.DBInstance), nil
}

// adopt returns the instance an earlier, interrupted run of this same create
// made: the create failed as "already exists" (terraform was killed after
// the call, or the answer was lost and the SDK retried it), and the instance
// of that identifier carries the same ha:blueprint and ha:component tags.
// An instance of that name owned by anything else is left alone and the
// create fails as before.
func (c *Client) adopt(ctx context.Context, id string, tags map[string]string, createErr error) (*Instance, bool) {
	if code := awsbase.ErrorCode(createErr); code != "DBInstanceAlreadyExists" && code != "DBInstanceAlreadyExistsFault" {
		return nil, false
	}
	if tags[awsbase.TagComponent] == "" {
		return nil, false
	}
	inst, err := c.Get(ctx, id)
	if err != nil {
		return nil, false
	}
	if !Owns(inst.Tags, tags) {
		return nil, false
	}
	return inst, true
}

// Owns reports whether an object's tags say it is the one the wanted tags
// describe: same ha:blueprint and ha:component.
func Owns(have, want map[string]string) bool {
	for _, k := range []string{awsbase.TagBlueprint, awsbase.TagComponent} {
		if have[k] != want[k] {
			return false
		}
	}
	return want[awsbase.TagComponent] != ""
}

// ReplicaInput describes a read replica; SourceARN may be in another region.
type ReplicaInput struct {
	Identifier         string
	SourceARN          string
	InstanceClass      string
	MultiAZ            bool
	DeletionProtection bool
	KMSKeyID           string
	Tags               map[string]string
}

// CreateReplica starts a read replica of SourceARN in this client's location.
func (c *Client) CreateReplica(ctx context.Context, in ReplicaInput) (*Instance, error) {
	req := &sdkrds.CreateDBInstanceReadReplicaInput{
		DBInstanceIdentifier:       sdkaws.String(in.Identifier),
		SourceDBInstanceIdentifier: sdkaws.String(in.SourceARN),
		MultiAZ:                    sdkaws.Bool(in.MultiAZ),
		DeletionProtection:         sdkaws.Bool(in.DeletionProtection),
		Tags:                       toTags(in.Tags),
	}
	if in.InstanceClass != "" {
		req.DBInstanceClass = sdkaws.String(in.InstanceClass)
	}
	if r := regionOf(in.SourceARN); r != "" && r != c.location {
		// Cross-region: the SDK presigns the request in the source region.
		req.SourceRegion = sdkaws.String(r)
		if in.KMSKeyID != "" {
			req.KmsKeyId = sdkaws.String(in.KMSKeyID)
		}
	}
	out, err := c.api.CreateDBInstanceReadReplica(ctx, req)
	if err != nil {
		if inst, ok := c.adopt(ctx, in.Identifier, in.Tags, err); ok {
			return inst, nil
		}
		return nil, fmt.Errorf("create read replica %q of %s in %s: %w", in.Identifier, in.SourceARN, c.location, err)
	}
	return fromInstance(out.DBInstance), nil
}

// Get describes one instance; a missing one is ErrNotFound.
func (c *Client) Get(ctx context.Context, id string) (*Instance, error) {
	out, err := c.api.DescribeDBInstances(ctx, &sdkrds.DescribeDBInstancesInput{DBInstanceIdentifier: sdkaws.String(id)})
	if err != nil {
		if awsbase.IsNotFound(err, "DBInstanceNotFound", "DBInstanceNotFoundFault") {
			return nil, fmt.Errorf("DB instance %q in %s: %w", id, c.location, ErrNotFound)
		}
		return nil, fmt.Errorf("describe DB instance %q in %s: %w", id, c.location, err)
	}
	if len(out.DBInstances) == 0 {
		return nil, fmt.Errorf("DB instance %q in %s: %w", id, c.location, ErrNotFound)
	}
	inst := fromInstance(&out.DBInstances[0])
	if inst.Tags == nil {
		// Some endpoints leave TagList out of DescribeDBInstances.
		tags, err := c.tags(ctx, inst.ARN)
		if err != nil {
			return nil, err
		}
		inst.Tags = tags
	}
	return inst, nil
}

// ModifyInput lists changes; nil fields are left alone.
type ModifyInput struct {
	InstanceClass         *string
	EngineVersion         *string
	AllocatedStorage      *int32
	MultiAZ               *bool
	DeletionProtection    *bool
	BackupRetentionPeriod *int32
	Password              *string
}

// Empty reports whether there is nothing to modify.
func (m ModifyInput) Empty() bool {
	return m.InstanceClass == nil && m.EngineVersion == nil && m.AllocatedStorage == nil && m.MultiAZ == nil &&
		m.DeletionProtection == nil && m.BackupRetentionPeriod == nil && m.Password == nil
}

// Modify applies changes immediately (not in the next maintenance window),
// because Terraform's state must describe what is there after apply.
func (c *Client) Modify(ctx context.Context, id string, m ModifyInput) error {
	if m.Empty() {
		return nil
	}
	req := &sdkrds.ModifyDBInstanceInput{
		DBInstanceIdentifier:  sdkaws.String(id),
		ApplyImmediately:      sdkaws.Bool(true),
		DBInstanceClass:       m.InstanceClass,
		EngineVersion:         m.EngineVersion,
		AllocatedStorage:      m.AllocatedStorage,
		MultiAZ:               m.MultiAZ,
		DeletionProtection:    m.DeletionProtection,
		BackupRetentionPeriod: m.BackupRetentionPeriod,
		MasterUserPassword:    m.Password,
	}
	if m.EngineVersion != nil {
		req.AllowMajorVersionUpgrade = sdkaws.Bool(true)
	}
	if _, err := c.api.ModifyDBInstance(ctx, req); err != nil {
		return fmt.Errorf("modify DB instance %q in %s: %w", id, c.location, err)
	}
	return nil
}

// Promote turns a read replica into a standalone primary, then applies the
// backup settings RDS refuses while the instance is still a replica.
// It waits for the promotion; the caller waits for availability afterwards.
func (c *Client) Promote(ctx context.Context, id string, retention int32, window string) error {
	inst, err := c.Get(ctx, id)
	if err != nil {
		return err
	}
	if inst.IsReplica() {
		req := &sdkrds.PromoteReadReplicaInput{DBInstanceIdentifier: sdkaws.String(id)}
		if _, err := c.api.PromoteReadReplica(ctx, req); err != nil {
			return fmt.Errorf("promote read replica %q in %s: %w", id, c.location, err)
		}
		if err := c.tag(ctx, inst.ARN, map[string]string{TagPromotedFrom: inst.SourceARN}); err != nil {
			return err
		}
	}
	if _, err := c.WaitAvailable(ctx, id); err != nil {
		return err
	}
	// Backup settings are applied after promotion, in the same apply.
	m := ModifyInput{BackupRetentionPeriod: &retention}
	if window == "" {
		return c.Modify(ctx, id, m)
	}
	_, err = c.api.ModifyDBInstance(ctx, &sdkrds.ModifyDBInstanceInput{
		DBInstanceIdentifier:  sdkaws.String(id),
		ApplyImmediately:      sdkaws.Bool(true),
		BackupRetentionPeriod: sdkaws.Int32(retention),
		PreferredBackupWindow: sdkaws.String(window),
	})
	if err != nil {
		return fmt.Errorf("set backup settings on promoted instance %q in %s: %w", id, c.location, err)
	}
	return nil
}

// DeleteInput says what to keep when deleting.
type DeleteInput struct {
	SkipFinalSnapshot       bool
	FinalSnapshotIdentifier string
}

// Delete deletes the instance and waits until it is gone; deleting one that
// is already gone is not an error.
func (c *Client) Delete(ctx context.Context, id string, in DeleteInput) error {
	req := &sdkrds.DeleteDBInstanceInput{
		DBInstanceIdentifier:   sdkaws.String(id),
		SkipFinalSnapshot:      sdkaws.Bool(in.SkipFinalSnapshot),
		DeleteAutomatedBackups: sdkaws.Bool(true),
	}
	if !in.SkipFinalSnapshot {
		req.FinalDBSnapshotIdentifier = sdkaws.String(in.FinalSnapshotIdentifier)
	}
	_, err := c.api.DeleteDBInstance(ctx, req)
	switch {
	case err == nil, awsbase.IsNotFound(err, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
	case awsbase.ErrorCode(err) == "InvalidDBInstanceState":
		// Already being deleted (a retried or concurrent delete) is fine;
		// any other state is the caller's to hear about.
		inst, gerr := c.Get(ctx, id)
		if errors.Is(gerr, ErrNotFound) {
			return nil
		}
		if gerr != nil || inst.Status != "deleting" {
			return fmt.Errorf("delete DB instance %q in %s: %w", id, c.location, err)
		}
	default:
		return fmt.Errorf("delete DB instance %q in %s: %w", id, c.location, err)
	}
	return c.WaitDeleted(ctx, id)
}

// WaitAvailable polls until the instance is available with no pending
// modifications, or the context ends.
func (c *Client) WaitAvailable(ctx context.Context, id string) (*Instance, error) {
	for {
		inst, err := c.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		switch inst.Status {
		case "available", "storage-optimization":
			return inst, nil
		case "failed", "incompatible-parameters", "incompatible-restore", "inaccessible-encryption-credentials":
			return nil, fmt.Errorf("DB instance %q in %s is %s", id, c.location, inst.Status)
		}
		if err := sleep(ctx, fmt.Sprintf("DB instance %q to become available (status %s)", id, inst.Status)); err != nil {
			return nil, err
		}
	}
}

// WaitDeleted polls until the instance is gone.
func (c *Client) WaitDeleted(ctx context.Context, id string) error {
	for {
		inst, err := c.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := sleep(ctx, fmt.Sprintf("DB instance %q to be deleted (status %s)", id, inst.Status)); err != nil {
			return err
		}
	}
}

// SetTags makes the instance's tags equal want, leaving keys for which
// keep returns true alone (tags the provider writes itself).
func (c *Client) SetTags(ctx context.Context, resourceARN string, want map[string]string, keep func(string) bool) error {
	have, err := c.tags(ctx, resourceARN)
	if err != nil {
		return err
	}
	add, remove := awsbase.TagChanges(have, want, keep)
	if len(remove) > 0 {
		if _, err := c.api.RemoveTagsFromResource(ctx, &sdkrds.RemoveTagsFromResourceInput{ResourceName: sdkaws.String(resourceARN), TagKeys: remove}); err != nil {
			return fmt.Errorf("untag %s: %w", resourceARN, err)
		}
	}
	return c.tag(ctx, resourceARN, add)
}

func (c *Client) tag(ctx context.Context, resourceARN string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	if _, err := c.api.AddTagsToResource(ctx, &sdkrds.AddTagsToResourceInput{ResourceName: sdkaws.String(resourceARN), Tags: toTags(tags)}); err != nil {
		return fmt.Errorf("tag %s: %w", resourceARN, err)
	}
	return nil
}

func (c *Client) tags(ctx context.Context, resourceARN string) (map[string]string, error) {
	out, err := c.api.ListTagsForResource(ctx, &sdkrds.ListTagsForResourceInput{ResourceName: sdkaws.String(resourceARN)})
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", resourceARN, err)
	}
	return fromTags(out.TagList), nil
}

// Snapshot is a manual DB snapshot.
type Snapshot struct {
	Identifier string
	ARN        string
	Status     string
	Instance   string
	Encrypted  bool
	Created    time.Time
	Tags       map[string]string
}

// CreateSnapshot takes a manual snapshot of an instance in this location and
// waits for it.
func (c *Client) CreateSnapshot(ctx context.Context, instanceID, snapshotID string, tags map[string]string) (*Snapshot, error) {
	_, err := c.api.CreateDBSnapshot(ctx, &sdkrds.CreateDBSnapshotInput{
		DBInstanceIdentifier: sdkaws.String(instanceID),
		DBSnapshotIdentifier: sdkaws.String(snapshotID),
		Tags:                 toTags(tags),
	})
	// Snapshot ids are made per call: "already exists" is this call's own
	// snapshot, made by an attempt whose answer was lost.
	if err != nil && awsbase.ErrorCode(err) != "DBSnapshotAlreadyExists" {
		return nil, fmt.Errorf("create DB snapshot %q of %q in %s: %w", snapshotID, instanceID, c.location, err)
	}
	return c.WaitSnapshot(ctx, snapshotID)
}

// CopySnapshot copies a snapshot (by ARN, from another region) into this
// location, encrypted with kmsKeyID when given, and waits for it.
func (c *Client) CopySnapshot(ctx context.Context, sourceARN, targetID, kmsKeyID string, tags map[string]string) (*Snapshot, error) {
	req := &sdkrds.CopyDBSnapshotInput{
		SourceDBSnapshotIdentifier: sdkaws.String(sourceARN),
		TargetDBSnapshotIdentifier: sdkaws.String(targetID),
		CopyTags:                   sdkaws.Bool(false),
		Tags:                       toTags(tags),
	}
	if r := regionOf(sourceARN); r != "" && r != c.location {
		req.SourceRegion = sdkaws.String(r)
	}
	if kmsKeyID != "" {
		req.KmsKeyId = sdkaws.String(kmsKeyID)
	}
	if _, err := c.api.CopyDBSnapshot(ctx, req); err != nil && awsbase.ErrorCode(err) != "DBSnapshotAlreadyExists" {
		return nil, fmt.Errorf("copy DB snapshot %s to %q in %s: %w", sourceARN, targetID, c.location, err)
	}
	return c.WaitSnapshot(ctx, targetID)
}

// GetSnapshot describes a manual snapshot; a missing one is ErrNotFound.
func (c *Client) GetSnapshot(ctx context.Context, id string) (*Snapshot, error) {
	out, err := c.api.DescribeDBSnapshots(ctx, &sdkrds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: sdkaws.String(id)})
	if err != nil {
		if awsbase.IsNotFound(err, "DBSnapshotNotFound") {
			return nil, fmt.Errorf("DB snapshot %q in %s: %w", id, c.location, ErrNotFound)
		}
		return nil, fmt.Errorf("describe DB snapshot %q in %s: %w", id, c.location, err)
	}
	if len(out.DBSnapshots) == 0 {
		return nil, fmt.Errorf("DB snapshot %q in %s: %w", id, c.location, ErrNotFound)
	}
	return fromSnapshot(&out.DBSnapshots[0]), nil
}

// WaitSnapshot polls until the snapshot is available.
func (c *Client) WaitSnapshot(ctx context.Context, id string) (*Snapshot, error) {
	for {
		s, err := c.GetSnapshot(ctx, id)
		if err != nil {
			return nil, err
		}
		switch s.Status {
		case "available":
			return s, nil
		case "failed", "error":
			return nil, fmt.Errorf("DB snapshot %q in %s is %s", id, c.location, s.Status)
		}
		if err := sleep(ctx, fmt.Sprintf("DB snapshot %q (status %s)", id, s.Status)); err != nil {
			return nil, err
		}
	}
}

// DeleteSnapshot deletes a manual snapshot; a missing one is not an error.
func (c *Client) DeleteSnapshot(ctx context.Context, id string) error {
	_, err := c.api.DeleteDBSnapshot(ctx, &sdkrds.DeleteDBSnapshotInput{DBSnapshotIdentifier: sdkaws.String(id)})
	if err != nil && !awsbase.IsNotFound(err, "DBSnapshotNotFound") {
		return fmt.Errorf("delete DB snapshot %q in %s: %w", id, c.location, err)
	}
	return nil
}

// FindTagged is the DB instance in this location carrying every one of
// tags; ErrNotFound when none does. A replica finds its source this way when
// the source is managed by the same resource type (a replica of a replica).
func (c *Client) FindTagged(ctx context.Context, tags map[string]string) (*Instance, error) {
	all, err := c.ListInstances(ctx)
	if err != nil {
		return nil, err
	}
	for _, inst := range all {
		match := true
		for k, v := range tags {
			if inst.Tags[k] != v {
				match = false
				break
			}
		}
		if match {
			return inst, nil
		}
	}
	return nil, fmt.Errorf("no DB instance tagged %v in %s: %w", tags, c.location, ErrNotFound)
}

// ListInstances lists every instance in the location (for sweepers).
func (c *Client) ListInstances(ctx context.Context) ([]*Instance, error) {
	var all []*Instance
	p := sdkrds.NewDescribeDBInstancesPaginator(c.api, &sdkrds.DescribeDBInstancesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list DB instances in %s: %w", c.location, err)
		}
		for i := range out.DBInstances {
			inst := fromInstance(&out.DBInstances[i])
			if inst.Tags == nil {
				if inst.Tags, err = c.tags(ctx, inst.ARN); err != nil {
					return nil, err
				}
			}
			all = append(all, inst)
		}
	}
	return all, nil
}

// ListSnapshots lists manual snapshots in the location (for sweepers).
func (c *Client) ListSnapshots(ctx context.Context) ([]*Snapshot, error) {
	var all []*Snapshot
	p := sdkrds.NewDescribeDBSnapshotsPaginator(c.api, &sdkrds.DescribeDBSnapshotsInput{SnapshotType: sdkaws.String("manual")})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list DB snapshots in %s: %w", c.location, err)
		}
		for i := range out.DBSnapshots {
			s := fromSnapshot(&out.DBSnapshots[i])
			if s.Tags == nil {
				if s.Tags, err = c.tags(ctx, s.ARN); err != nil {
					return nil, err
				}
			}
			all = append(all, s)
		}
	}
	return all, nil
}

// LatestSnapshotTagged is the newest available manual snapshot in this
// location whose tag key has value; ErrNotFound when there is none. After a
// disaster this finds the newest cross-region copy of a lost database.
func (c *Client) LatestSnapshotTagged(ctx context.Context, tags map[string]string) (*Snapshot, error) {
	all, err := c.ListSnapshots(ctx)
	if err != nil {
		return nil, err
	}
	var best *Snapshot
	for _, s := range all {
		if !hasTags(s.Tags, tags) || s.Status != "available" {
			continue
		}
		if best == nil || s.Created.After(best.Created) || (s.Created.Equal(best.Created) && s.Identifier > best.Identifier) {
			best = s
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no available snapshot tagged %s in %s: %w", tagList(tags), c.location, ErrNotFound)
	}
	return best, nil
}

func hasTags(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// tagList spells tags as k=v, sorted, for messages.
func tagList(tags map[string]string) string {
	l := make([]string, 0, len(tags))
	for k, v := range tags {
		l = append(l, k+"="+v)
	}
	sort.Strings(l)
	return strings.Join(l, ", ")
}

// Restore starts a primary DB instance from a snapshot in this location
// (RestoreDBInstanceFromDBSnapshot); WaitAvailable follows. Storage,
// engine version and master credentials come from the snapshot.
func (c *Client) Restore(ctx context.Context, in CreateInput, snapshotID string) (*Instance, error) {
	out, err := c.api.RestoreDBInstanceFromDBSnapshot(ctx, &sdkrds.RestoreDBInstanceFromDBSnapshotInput{
		DBInstanceIdentifier: sdkaws.String(in.Identifier),
		DBSnapshotIdentifier: sdkaws.String(snapshotID),
		DBInstanceClass:      sdkaws.String(in.InstanceClass),
		MultiAZ:              sdkaws.Bool(in.MultiAZ),
		DeletionProtection:   sdkaws.Bool(in.DeletionProtection),
		CopyTagsToSnapshot:   sdkaws.Bool(true),
		Tags:                 toTags(in.Tags),
	})
	if err != nil {
		return nil, fmt.Errorf("restore DB instance %q from snapshot %q in %s: %w", in.Identifier, snapshotID, c.location, err)
	}
	return fromInstance(out.DBInstance), nil
}

// ParseARN splits an RDS ARN (arn:aws:rds:REGION:ACCOUNT:db:NAME or
// :snapshot:NAME) into its region and name.
func ParseARN(s string) (region, kind, name string, err error) {
	a, err := arn.Parse(s)
	if err != nil {
		return "", "", "", fmt.Errorf("not an ARN: %q", s)
	}
	if a.Service != "rds" {
		return "", "", "", fmt.Errorf("not an RDS ARN: %q", s)
	}
	kind, name, ok := strings.Cut(a.Resource, ":")
	if !ok || name == "" {
		return "", "", "", fmt.Errorf("RDS ARN without a resource name: %q", s)
	}
	return a.Region, kind, name, nil
}

func regionOf(s string) string {
	if a, err := arn.Parse(s); err == nil {
		return a.Region
	}
	return ""
}

func identifierOf(s string) string {
	if _, _, name, err := ParseARN(s); err == nil {
		return name
	}
	return s
}

func sleep(ctx context.Context, what string) error {
	t := time.NewTimer(pollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("timed out waiting for %s: %w", what, ctx.Err())
	case <-t.C:
		return nil
	}
}

func toTags(m map[string]string) []types.Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]types.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
	}
	return out
}

func fromTags(ts []types.Tag) map[string]string {
	out := make(map[string]string, len(ts))
	for _, t := range ts {
		out[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
	}
	return out
}

func fromInstance(d *types.DBInstance) *Instance {
	if d == nil {
		return &Instance{}
	}
	i := &Instance{
		Identifier:            sdkaws.ToString(d.DBInstanceIdentifier),
		ARN:                   sdkaws.ToString(d.DBInstanceArn),
		Status:                sdkaws.ToString(d.DBInstanceStatus),
		Engine:                sdkaws.ToString(d.Engine),
		EngineVersion:         sdkaws.ToString(d.EngineVersion),
		InstanceClass:         sdkaws.ToString(d.DBInstanceClass),
		AllocatedStorage:      sdkaws.ToInt32(d.AllocatedStorage),
		MultiAZ:               sdkaws.ToBool(d.MultiAZ),
		StorageEncrypted:      sdkaws.ToBool(d.StorageEncrypted),
		KMSKeyID:              sdkaws.ToString(d.KmsKeyId),
		DeletionProtection:    sdkaws.ToBool(d.DeletionProtection),
		BackupRetentionPeriod: sdkaws.ToInt32(d.BackupRetentionPeriod),
		BackupWindow:          sdkaws.ToString(d.PreferredBackupWindow),
		Username:              sdkaws.ToString(d.MasterUsername),
		SourceARN:             sdkaws.ToString(d.ReadReplicaSourceDBInstanceIdentifier),
	}
	if d.Endpoint != nil {
		i.Address = sdkaws.ToString(d.Endpoint.Address)
		i.Port = sdkaws.ToInt32(d.Endpoint.Port)
	}
	if d.TagList != nil {
		i.Tags = fromTags(d.TagList)
	}
	return i
}

func fromSnapshot(s *types.DBSnapshot) *Snapshot {
	out := &Snapshot{
		Identifier: sdkaws.ToString(s.DBSnapshotIdentifier),
		ARN:        sdkaws.ToString(s.DBSnapshotArn),
		Status:     sdkaws.ToString(s.Status),
		Instance:   sdkaws.ToString(s.DBInstanceIdentifier),
		Encrypted:  sdkaws.ToBool(s.Encrypted),
		Created:    sdkaws.ToTime(s.SnapshotCreateTime),
	}
	if s.TagList != nil {
		out.Tags = fromTags(s.TagList)
	}
	return out
}
