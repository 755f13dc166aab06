package rds

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
)

// The AWS database and database replica backends: RDS DB instances and
// read replicas (same or cross region), promoted with PromoteReadReplica.
func init() {
	database.Register(backend.AWS, func(ctx context.Context, s *backend.Settings, location string) (database.Backend, error) {
		c, err := open(ctx, awsbase.SessionFor(s), location)
		if err != nil {
			return nil, err
		}
		return &Databases{c: c}, nil
	})
	replica.Register(backend.AWS, func(ctx context.Context, s *backend.Settings, location string) (replica.Backend, error) {
		sess := awsbase.SessionFor(s)
		c, err := open(ctx, sess, location)
		if err != nil {
			return nil, err
		}
		return &Replicas{c: c, sess: sess, overridden: s.EndpointOverridden(backend.AWS)}, nil
	})
}

// Open returns the RDS client of one location of a session. A declared-lost
// location does not fail here: its calls fail at once as unreachable.
func Open(ctx context.Context, sess *awsbase.Session, location string) (*Client, error) {
	return open(ctx, sess, location)
}

func open(ctx context.Context, sess *awsbase.Session, location string) (*Client, error) {
	cfg, err := sess.Config(ctx, location)
	if err != nil {
		return nil, err
	}
	return New(cfg), nil
}

// Databases implements database.Backend on one location's Client.
type Databases struct{ c *Client }

var _ database.Backend = (*Databases)(nil)

func dbTags(m backend.Meta) map[string]string { return awsbase.MetaTags(m) }

// Apply creates (or restores, with spec.RestoreFrom) the instance when
// previous has no id, else modifies it in place. A create that fails after
// the instance exists returns its Status with the error, so the resource
// keeps it in state. An instance of the same name carrying the same
// ha:blueprint and ha:component tags (a killed apply) is adopted.
func (d *Databases) Apply(ctx context.Context, spec database.Spec, previous *database.Status) (*database.Status, error) {
	if previous == nil || previous.URI == "" && previous.ID == "" {
		return d.create(ctx, spec)
	}
	c := d.c
	prev := previous.Spec
	var m ModifyInput
	if spec.InstanceClass != "" && spec.InstanceClass != prev.InstanceClass {
		m.InstanceClass = &spec.InstanceClass
	}
	if spec.EngineVersion != "" && spec.EngineVersion != prev.EngineVersion {
		m.EngineVersion = &spec.EngineVersion
	}
	if spec.StorageGB != prev.StorageGB {
		v := int32(spec.StorageGB)
		m.AllocatedStorage = &v
	}
	if spec.HighAvailability != prev.HighAvailability {
		m.MultiAZ = &spec.HighAvailability
	}
	if spec.DeletionProtection != prev.DeletionProtection {
		m.DeletionProtection = &spec.DeletionProtection
	}
	if spec.BackupRetention != prev.BackupRetention {
		v := int32(spec.BackupRetention)
		m.BackupRetentionPeriod = &v
	}
	if spec.Password != prev.Password {
		m.Password = &spec.Password
	}
	if err := c.Modify(ctx, spec.Name, m); err != nil {
		return nil, err
	}
	arn := previous.URI
	if arn == "" {
		arn = previous.ID
	}
	tags := dbTags(spec.Meta)
	if err := c.SetTags(ctx, arn, tags, awsbase.KeepSystemTags(tags)); err != nil {
		return nil, fmt.Errorf("update tags: %w", err)
	}
	inst, err := c.WaitAvailable(ctx, spec.Name)
	if err != nil {
		return nil, fmt.Errorf("waiting for it to become available: %w", err)
	}
	return dbStatus(spec, inst, previous.RestoredFrom), nil
}

func (d *Databases) create(ctx context.Context, spec database.Spec) (*database.Status, error) {
	c := d.c
	in := CreateInput{
		Identifier:            spec.Name,
		Engine:                spec.Engine,
		EngineVersion:         spec.EngineVersion,
		InstanceClass:         spec.InstanceClass,
		AllocatedStorage:      int32(spec.StorageGB),
		MultiAZ:               spec.HighAvailability,
		StorageEncrypted:      spec.StorageEncrypted,
		KMSKeyID:              spec.KeyID,
		DeletionProtection:    spec.DeletionProtection,
		BackupRetentionPeriod: int32(spec.BackupRetention),
		Username:              spec.Username,
		Password:              spec.Password,
		Tags:                  dbTags(spec.Meta),
	}
	var created *Instance
	var err error
	if spec.RestoreFrom != "" {
		// RestoreFrom is the snapshot ARN the backup plan backend found.
		if created, err = c.Restore(ctx, in, identifierOf(spec.RestoreFrom)); err != nil {
			return nil, err
		}
	} else if created, err = c.Create(ctx, in); err != nil {
		return nil, err
	}
	inst, err := c.WaitAvailable(ctx, spec.Name)
	if err != nil {
		return dbStatus(spec, created, spec.RestoreFrom), fmt.Errorf("waiting for it to become available: %w", err)
	}
	if spec.RestoreFrom != "" {
		// A restored instance has the snapshot's password: make it the configured one.
		pw := spec.Password
		if err := c.Modify(ctx, inst.Identifier, ModifyInput{Password: &pw}); err != nil {
			return dbStatus(spec, inst, spec.RestoreFrom), fmt.Errorf("set the password of the restored database: %w", err)
		}
	}
	return dbStatus(spec, inst, spec.RestoreFrom), nil
}

// Read describes the instance named spec.Name (the identifier is the name,
// so import needs nothing else); a gone one wraps backend.ErrNotFound.
func (d *Databases) Read(ctx context.Context, spec database.Spec, previous *database.Status) (*database.Status, error) {
	name := spec.Name
	if name == "" && previous != nil {
		name = identifierOf(previous.ID)
	}
	inst, err := d.c.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	from := ""
	if previous != nil {
		from = previous.RestoredFrom
	}
	return dbStatus(spec, inst, from), nil
}

// Delete deletes the instance (with its final snapshot unless skipped) and
// waits until it is gone; gone already is nil.
func (d *Databases) Delete(ctx context.Context, status *database.Status) error {
	s := status.Spec
	final := s.FinalSnapshotName
	if final == "" {
		final = s.Name + "-final"
	}
	return d.c.Delete(ctx, s.Name, DeleteInput{SkipFinalSnapshot: s.SkipFinalSnapshot, FinalSnapshotIdentifier: final})
}

// dbStatus is inst in the contract's terms; what RDS does not hold
// (password, restore source, destroy-time settings) comes from spec.
func dbStatus(spec database.Spec, inst *Instance, restoredFrom string) *database.Status {
	got := spec
	got.Name, got.Location = inst.Identifier, spec.Location
	if inst.Tags != nil {
		got.Tags, got.Blueprint, got.Component = splitTags(inst.Tags)
	}
	got.Engine, got.EngineVersion, got.InstanceClass = inst.Engine, inst.EngineVersion, inst.InstanceClass
	got.StorageGB = int(inst.AllocatedStorage)
	got.HighAvailability, got.StorageEncrypted = inst.MultiAZ, inst.StorageEncrypted
	got.KeyID, got.DeletionProtection = inst.KMSKeyID, inst.DeletionProtection
	got.BackupRetention, got.BackupWindow = int(inst.BackupRetentionPeriod), inst.BackupWindow
	got.Username = inst.Username
	return &database.Status{
		Spec: got, ID: inst.Identifier, URI: inst.ARN, Address: inst.Address, Port: int(inst.Port),
		Endpoint: endpointOf(inst), Role: replica.RolePrimary, RestoredFrom: restoredFrom, State: inst.Status,
	}
}

// splitTags is the user's tags (without any ha:* key), blueprint and
// component of an instance's tags.
func splitTags(all map[string]string) (user map[string]string, blueprint, component string) {
	return awsbase.UserTags(all), all[awsbase.TagBlueprint], all[awsbase.TagComponent]
}

func endpointOf(i *Instance) string {
	if i.Address == "" {
		return ""
	}
	return i.Address + ":" + strconv.Itoa(int(i.Port))
}

// Replicas implements replica.Backend on one location's Client; sess
// reaches the source's location.
type Replicas struct {
	c    *Client
	sess *awsbase.Session
	// overridden: the AWS endpoint is overridden, the only case where the
	// local endpoint's gaps are worked around.
	overridden bool
}

var _ replica.Backend = (*Replicas)(nil)

func replicaTags(s replica.Spec) map[string]string {
	tags := awsbase.MetaTags(s.Meta)
	if s.SourceComponent != "" {
		tags[awsbase.TagSource] = s.SourceComponent
	}
	return tags
}

// Apply creates the replica of spec.SourceID when previous has no id (and
// promotes it when spec.Promote), else promotes it when asked and modifies
// it in place. A create that fails after the instance exists returns its
// partial Status with the error.
func (r *Replicas) Apply(ctx context.Context, spec replica.Spec, previous *replica.Status) (*replica.Status, error) {
	if previous == nil || previous.URI == "" && previous.ID == "" {
		return r.create(ctx, spec)
	}
	c, name := r.c, spec.Name
	prev := previous.Spec
	promoting := spec.Promote && previous.Role != replica.RolePrimary
	if promoting {
		// One apply: promote, wait, then the backup settings RDS refuses on a replica.
		if err := c.Promote(ctx, name, int32(spec.BackupRetention), spec.BackupWindow); err != nil {
			return nil, fmt.Errorf("promote: %w", err)
		}
	}
	var m ModifyInput
	if spec.InstanceClass != "" && spec.InstanceClass != prev.InstanceClass {
		m.InstanceClass = &spec.InstanceClass
	}
	if spec.HighAvailability != prev.HighAvailability {
		m.MultiAZ = &spec.HighAvailability
	}
	if spec.DeletionProtection != prev.DeletionProtection {
		m.DeletionProtection = &spec.DeletionProtection
	}
	if !promoting && previous.Role == replica.RolePrimary && spec.BackupRetention != prev.BackupRetention {
		v := int32(spec.BackupRetention)
		m.BackupRetentionPeriod = &v
	}
	if err := c.Modify(ctx, name, m); err != nil {
		return nil, err
	}
	arn := previous.URI
	if arn == "" {
		arn = previous.ID
	}
	tags := replicaTags(spec)
	if err := c.SetTags(ctx, arn, tags, awsbase.KeepSystemTags(tags)); err != nil {
		return nil, fmt.Errorf("update tags: %w", err)
	}
	inst, err := c.WaitAvailable(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("waiting for it to become available: %w", err)
	}
	return replicaStatus(spec, inst), nil
}

func (r *Replicas) create(ctx context.Context, spec replica.Spec) (*replica.Status, error) {
	c, name := r.c, spec.Name
	if spec.SourceID == "" {
		return nil, errors.New("no source: the source database's ARN is needed to create a replica")
	}
	created, err := c.CreateReplica(ctx, ReplicaInput{
		Identifier:         name,
		SourceARN:          spec.SourceID,
		InstanceClass:      spec.InstanceClass,
		MultiAZ:            spec.HighAvailability,
		DeletionProtection: spec.DeletionProtection,
		KMSKeyID:           spec.KeyID,
		Tags:               replicaTags(spec),
	})
	if err != nil {
		return nil, err
	}
	inst, err := c.WaitAvailable(ctx, name)
	if err == nil && spec.Engine != "" && inst.Engine != spec.Engine {
		err = &replica.EngineMismatchError{Want: spec.Engine, Source: inst.Engine}
	}
	if err == nil && spec.Promote {
		if err = c.Promote(ctx, name, int32(spec.BackupRetention), spec.BackupWindow); err == nil {
			inst, err = c.WaitAvailable(ctx, name)
		}
	}
	if err != nil {
		// The instance exists: what the create call returned, as a replica.
		st := replicaStatus(spec, created)
		st.Role, st.ReplicatingFrom = replica.RoleReplica, spec.SourceID
		return st, err
	}
	return replicaStatus(spec, inst), nil
}

// Read describes the instance named spec.Name; a gone one wraps
// backend.ErrNotFound.
func (r *Replicas) Read(ctx context.Context, spec replica.Spec, previous *replica.Status) (*replica.Status, error) {
	name := spec.Name
	if name == "" && previous != nil {
		name = identifierOf(previous.ID)
	}
	inst, err := r.c.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return replicaStatus(spec, inst), nil
}

// Promote makes the replica a standalone primary and waits until it is
// available; a primary is left as it is (its backup settings applied).
func (r *Replicas) Promote(ctx context.Context, status *replica.Status) (*replica.Status, error) {
	s := status.Spec
	if err := r.c.Promote(ctx, s.Name, int32(s.BackupRetention), s.BackupWindow); err != nil {
		return nil, err
	}
	inst, err := r.c.WaitAvailable(ctx, s.Name)
	if err != nil {
		return nil, err
	}
	return replicaStatus(s, inst), nil
}

// FindSource returns the ARN of the DB instance in spec.SourceLocation
// tagged as component spec.SourceComponent of blueprint spec.Blueprint.
func (r *Replicas) FindSource(ctx context.Context, spec replica.Spec) (string, error) {
	sc, err := open(ctx, r.sess, spec.SourceLocation)
	if err != nil {
		return "", err
	}
	tags := map[string]string{awsbase.TagComponent: spec.SourceComponent}
	if spec.Blueprint != "" {
		tags[awsbase.TagBlueprint] = spec.Blueprint
	}
	inst, err := sc.FindTagged(ctx, tags)
	if err != nil {
		return "", err
	}
	return inst.ARN, nil
}

// Delete deletes the instance and waits until it is gone: a replica with no
// final snapshot (RDS refuses one), a promoted instance with one unless
// skipped. Gone already is nil.
func (r *Replicas) Delete(ctx context.Context, status *replica.Status) error {
	c, s := r.c, status.Spec
	name, location := s.Name, r.c.Location()
	inst, err := c.Get(ctx, name)
	if errors.Is(err, backend.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	isReplica := inst.IsReplica()
	if src := regionOf(inst.SourceARN); isReplica && src != "" && src != location && r.overridden {
		// The local endpoint answers 500 to DeleteDBInstance on a never-promoted
		// cross-region replica (and leaves the source's replica list
		// stale); promoting first makes the delete clean. Real AWS deletes
		// such replicas directly, so this only runs against an endpoint override.
		if err := c.Promote(ctx, name, 0, ""); err != nil {
			return fmt.Errorf("promoting it before deletion (the overridden endpoint cannot delete a cross-region replica): %w", err)
		}
		label := s.Component
		if label == "" {
			label = name
		}
		// It was a replica as far as the user is concerned: still no final snapshot.
		backend.Warn(ctx, "Cross-region replica promoted before deletion",
			fmt.Sprintf("Component %q: the overridden AWS endpoint cannot delete a never-promoted cross-region read replica "+
				"(DeleteDBInstance answers 500), so %s in %s was promoted to a standalone instance and then deleted. "+
				"Against real AWS the replica is deleted directly.", label, name, location))
	}
	final := s.FinalSnapshotName
	if final == "" {
		final = name + "-final"
	}
	return c.Delete(ctx, name, DeleteInput{SkipFinalSnapshot: isReplica || s.SkipFinalSnapshot, FinalSnapshotIdentifier: final})
}

// replicaStatus is inst in the contract's terms. The source is what RDS
// reports, or what the promotion tag recorded, or spec's.
func replicaStatus(spec replica.Spec, inst *Instance) *replica.Status {
	got := spec
	got.Name = inst.Identifier
	if inst.Tags != nil {
		got.Tags, got.Blueprint, got.Component = splitTags(inst.Tags)
		got.SourceComponent = inst.Tags[awsbase.TagSource]
	}
	got.Engine, got.InstanceClass = inst.Engine, inst.InstanceClass
	got.HighAvailability, got.DeletionProtection = inst.MultiAZ, inst.DeletionProtection
	got.BackupRetention, got.BackupWindow = int(inst.BackupRetentionPeriod), inst.BackupWindow
	switch {
	case inst.SourceARN != "":
		got.SourceID = inst.SourceARN
	case inst.Tags[TagPromotedFrom] != "":
		got.SourceID = inst.Tags[TagPromotedFrom]
	}
	st := &replica.Status{
		Spec: got, ID: inst.Identifier, URI: inst.ARN, Address: inst.Address, Port: int(inst.Port),
		Endpoint: endpointOf(inst), State: inst.Status,
	}
	if inst.IsReplica() {
		st.Role, st.ReplicatingFrom = replica.RoleReplica, inst.SourceARN
	} else {
		st.Role = replica.RolePrimary
	}
	st.Spec.Promote = st.Role == replica.RolePrimary
	return st
}
