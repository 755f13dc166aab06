// Package bucket is the AWS backend of the object_store component: an S3
// bucket with versioning, default encryption, public access blocked, tags,
// and replication (with Replication Time Control) to a bucket in another
// region, through an IAM role it creates when none is given.
package bucket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/objectstore"
)

func init() {
	objectstore.Register(backend.AWS, func(_ context.Context, s *backend.Settings, _ string) (objectstore.Backend, error) {
		// A lost location is refused by the session itself, call by call,
		// with the error the resources turn into keep-state/forget warnings.
		sess, err := awsbase.SessionFrom(s)
		if err != nil {
			return nil, err
		}
		return New(sess), nil
	})
}

// RuleID names the one replication rule this backend writes.
const RuleID = "ha-copy"

// Backend implements objectstore.Backend on S3.
type Backend struct {
	session *awsbase.Session
}

var _ objectstore.Backend = (*Backend)(nil)

// New returns the S3 backend on a session.
func New(s *awsbase.Session) *Backend { return &Backend{session: s} }

func (b *Backend) clients(ctx context.Context, location string) (*s3.Client, *iam.Client, error) {
	cfg, err := b.session.Config(ctx, location)
	if err != nil {
		return nil, nil, err
	}
	custom := cfg.BaseEndpoint != nil
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = custom }), iam.NewFromConfig(cfg), nil
}

// ARN is a bucket's ARN (S3 bucket ARNs carry no region or account).
func ARN(name string) string { return "arn:aws:s3:::" + name }

// RoleName is the replication role created for a bucket (IAM names are at
// most 64 characters; bucket names at most 63).
func RoleName(bucket string) string {
	n := "ha-s3-copy-" + bucket
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// Apply creates the bucket when previous is nil, then converges every setting.
func (b *Backend) Apply(ctx context.Context, spec objectstore.Spec, previous *objectstore.Status) (*objectstore.Status, error) {
	start := time.Now()
	api, iamc, err := b.clients(ctx, spec.Location)
	if err != nil {
		return nil, err
	}
	if previous == nil {
		if err := checkOwner(ctx, api, spec); err != nil {
			return nil, err
		}
		in := &s3.CreateBucketInput{Bucket: sdkaws.String(spec.Name)}
		if spec.Location != "us-east-1" {
			in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(spec.Location)}
		}
		if _, err := api.CreateBucket(ctx, in); err != nil && awsbase.ErrorCode(err) != "BucketAlreadyOwnedByYou" {
			return nil, fmt.Errorf("create bucket %s: %w", spec.Name, err)
		}
	}
	if err := b.settings(ctx, api, spec, previous); err != nil {
		return nil, err
	}
	roleCreated := previous != nil && previous.RoleCreated
	if spec.CopyTo != nil {
		role := spec.ReplicationRole
		if role == "" {
			if role, err = ensureRole(ctx, iamc, spec); err != nil {
				return nil, err
			}
			roleCreated = true
		}
		// The destination may be created in parallel (one for_each creates
		// both buckets): wait for it a while rather than fail.
		err := awsbase.WaitUntil(ctx, "bucket "+spec.CopyTo.Bucket, 5*time.Second, func(ctx context.Context) (bool, error) {
			err := putReplication(ctx, api, spec.Name, role, spec.CopyTo.Bucket)
			if err != nil && destinationMissing(err) && time.Since(start) < 2*time.Minute {
				return false, nil
			}
			return true, err
		})
		if err != nil {
			return nil, err
		}
	} else {
		if _, err := api.DeleteBucketReplication(ctx, &s3.DeleteBucketReplicationInput{Bucket: sdkaws.String(spec.Name)}); err != nil && !notFound(err) {
			return nil, fmt.Errorf("remove replication of bucket %s: %w", spec.Name, err)
		}
	}
	if roleCreated && (spec.CopyTo == nil || spec.ReplicationRole != "") {
		if err := deleteRole(ctx, iamc, RoleName(spec.Name)); err != nil {
			return nil, err
		}
		roleCreated = false
	}
	st, err := b.Read(ctx, spec.Name, spec.Location, &objectstore.Status{Spec: spec, RoleCreated: roleCreated})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// checkOwner lets a create go on when the bucket does not exist yet, or
// exists as a run killed mid-create leaves it: tagged with spec's
// ha:component, or untagged and empty (killed before the tags were set).
// Anyone else's bucket of that name is refused rather than taken over
// (S3 answers a repeated create of one's own bucket with success in
// us-east-1, so the create alone cannot tell).
func checkOwner(ctx context.Context, api *s3.Client, spec objectstore.Spec) error {
	tags, err := api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: sdkaws.String(spec.Name)})
	code := awsbase.ErrorCode(err)
	switch {
	case err == nil:
		owner := ""
		for _, t := range tags.TagSet {
			if sdkaws.ToString(t.Key) == awsbase.TagComponent {
				owner = sdkaws.ToString(t.Value)
			}
		}
		if want := awsbase.Tags(spec.Tags, spec.Blueprint, spec.Component)[awsbase.TagComponent]; owner != want {
			return fmt.Errorf("create bucket %s: a bucket of that name exists and is not this component's (ha:component %q)", spec.Name, owner)
		}
		return nil
	case code == "NoSuchTagSet" || code == "NoSuchTagSetError":
		objs, err := api.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: sdkaws.String(spec.Name), MaxKeys: sdkaws.Int32(1)})
		if err != nil {
			return fmt.Errorf("read existing bucket %s: %w", spec.Name, err)
		}
		if len(objs.Contents) > 0 {
			return fmt.Errorf("create bucket %s: a bucket of that name exists, untagged and not empty: not this component's", spec.Name)
		}
		return nil
	default:
		// Missing, or not readable here (another account's, another
		// region's): the create tells.
		return nil
	}
}

func (b *Backend) settings(ctx context.Context, api *s3.Client, spec objectstore.Spec, previous *objectstore.Status) error {
	name := sdkaws.String(spec.Name)
	if all := awsbase.Tags(spec.Tags, spec.Blueprint, spec.Component); len(all) > 0 {
		var ts []types.Tag
		for _, k := range sortedKeys(all) {
			ts = append(ts, types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(all[k])})
		}
		if _, err := api.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: name, Tagging: &types.Tagging{TagSet: ts}}); err != nil {
			return fmt.Errorf("tag bucket %s: %w", spec.Name, err)
		}
	} else if _, err := api.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: name}); err != nil && !notFound(err) {
		return fmt.Errorf("untag bucket %s: %w", spec.Name, err)
	}
	// A bucket that never had versioning stays unversioned; once enabled it
	// can only be suspended.
	if spec.Versioning || (previous != nil && previous.Spec.Versioning) {
		st := types.BucketVersioningStatusEnabled
		if !spec.Versioning {
			st = types.BucketVersioningStatusSuspended
		}
		if _, err := api.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: name, VersioningConfiguration: &types.VersioningConfiguration{Status: st}}); err != nil {
			return fmt.Errorf("set versioning of bucket %s: %w", spec.Name, err)
		}
	}
	algo := types.ServerSideEncryption(spec.Encryption)
	if spec.Encryption == "" {
		algo = types.ServerSideEncryptionAes256
	}
	if _, err := api.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: name, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: algo}}},
	}}); err != nil {
		return fmt.Errorf("set default encryption of bucket %s: %w", spec.Name, err)
	}
	if spec.BlockPublicAccess {
		t := sdkaws.Bool(true)
		if _, err := api.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: name, PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
			BlockPublicAcls: t, BlockPublicPolicy: t, IgnorePublicAcls: t, RestrictPublicBuckets: t,
		}}); err != nil {
			return fmt.Errorf("block public access to bucket %s: %w", spec.Name, err)
		}
	} else if _, err := api.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: name}); err != nil && !notFound(err) {
		return fmt.Errorf("unblock public access to bucket %s: %w", spec.Name, err)
	}
	return nil
}

func putReplication(ctx context.Context, api *s3.Client, bucket, role, dest string) error {
	on := types.ReplicationTimeStatusEnabled
	fifteen := &types.ReplicationTimeValue{Minutes: sdkaws.Int32(15)}
	_, err := api.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{
		Bucket: sdkaws.String(bucket),
		ReplicationConfiguration: &types.ReplicationConfiguration{
			Role: sdkaws.String(role),
			Rules: []types.ReplicationRule{{
				ID:                      sdkaws.String(RuleID),
				Status:                  types.ReplicationRuleStatusEnabled,
				Priority:                sdkaws.Int32(1),
				Filter:                  &types.ReplicationRuleFilter{Prefix: sdkaws.String("")},
				DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusEnabled},
				Destination: &types.Destination{
					Bucket: sdkaws.String(ARN(dest)),
					// Replication Time Control: the 15-minute bound the
					// blueprint's RPO counts, and the latency metrics alarms watch.
					ReplicationTime: &types.ReplicationTime{Status: on, Time: fifteen},
					Metrics:         &types.Metrics{Status: types.MetricsStatusEnabled, EventThreshold: fifteen},
				},
			}},
		},
	})
	if err != nil {
		return fmt.Errorf("set replication of bucket %s to %s: %w", bucket, dest, err)
	}
	return nil
}

// ensureRole creates (or adopts) the role S3 assumes to copy objects, with
// an inline policy limited to the two buckets.
func ensureRole(ctx context.Context, api *iam.Client, spec objectstore.Spec) (string, error) {
	name := RoleName(spec.Name)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	var tags []iamtypes.Tag
	all := awsbase.Tags(spec.Tags, spec.Blueprint, spec.Component)
	for _, k := range sortedKeys(all) {
		tags = append(tags, iamtypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(all[k])})
	}
	var arn string
	out, err := api.CreateRole(ctx, &iam.CreateRoleInput{RoleName: sdkaws.String(name), AssumeRolePolicyDocument: sdkaws.String(trust), Tags: tags,
		Description: sdkaws.String("S3 replication of bucket " + spec.Name)})
	switch {
	case err == nil:
		arn = sdkaws.ToString(out.Role.Arn)
	case awsbase.ErrorCode(err) == "EntityAlreadyExists":
		got, gerr := api.GetRole(ctx, &iam.GetRoleInput{RoleName: sdkaws.String(name)})
		if gerr != nil {
			return "", fmt.Errorf("read replication role %s: %w", name, gerr)
		}
		arn = sdkaws.ToString(got.Role.Arn)
	default:
		return "", fmt.Errorf("create replication role %s: %w", name, err)
	}
	policy, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{"Effect": "Allow", "Action": []string{"s3:GetReplicationConfiguration", "s3:ListBucket"}, "Resource": ARN(spec.Name)},
			{"Effect": "Allow", "Action": []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"}, "Resource": ARN(spec.Name) + "/*"},
			{"Effect": "Allow", "Action": []string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"}, "Resource": ARN(spec.CopyTo.Bucket) + "/*"},
		},
	})
	if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: sdkaws.String(name), PolicyName: sdkaws.String("copy"), PolicyDocument: sdkaws.String(string(policy))}); err != nil {
		return "", fmt.Errorf("set policy of replication role %s: %w", name, err)
	}
	return arn, nil
}

func deleteRole(ctx context.Context, api *iam.Client, name string) error {
	if _, err := api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: sdkaws.String(name), PolicyName: sdkaws.String("copy")}); err != nil && !notFound(err) {
		return fmt.Errorf("delete policy of replication role %s: %w", name, err)
	}
	if _, err := api.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: sdkaws.String(name)}); err != nil && !notFound(err) {
		return fmt.Errorf("delete replication role %s: %w", name, err)
	}
	return nil
}

// RoleExists reports whether the replication role created for bucket is there.
func (b *Backend) RoleExists(ctx context.Context, location, bucket string) (bool, error) {
	_, iamc, err := b.clients(ctx, location)
	if err != nil {
		return false, err
	}
	_, err = iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: sdkaws.String(RoleName(bucket))})
	if notFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Read returns the bucket as S3 holds it; objectstore.ErrNotFound (wrapped)
// when it is gone. location may be "" (import by name): it is looked up.
func (b *Backend) Read(ctx context.Context, name, location string, previous *objectstore.Status) (*objectstore.Status, error) {
	if location == "" {
		loc, err := b.locate(ctx, name)
		if err != nil {
			return nil, err
		}
		location = loc
	}
	api, _, err := b.clients(ctx, location)
	if err != nil {
		return nil, err
	}
	bn := sdkaws.String(name)
	if _, err := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bn}); err != nil {
		if notFound(err) {
			return nil, fmt.Errorf("bucket %s: %w", name, objectstore.ErrNotFound)
		}
		return nil, fmt.Errorf("read bucket %s: %w", name, err)
	}
	st := &objectstore.Status{ARN: ARN(name), Spec: objectstore.Spec{Meta: backend.Meta{Name: name, Location: location}}}
	if previous != nil {
		st.RoleCreated = previous.RoleCreated
		st.Spec.ForceDestroy = previous.Spec.ForceDestroy
	}
	v, err := api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bn})
	if err != nil {
		return nil, fmt.Errorf("read versioning of bucket %s: %w", name, err)
	}
	st.Spec.Versioning = v.Status == types.BucketVersioningStatusEnabled
	enc, err := api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bn})
	switch {
	case notFound(err):
	case err != nil:
		return nil, fmt.Errorf("read encryption of bucket %s: %w", name, err)
	case enc.ServerSideEncryptionConfiguration != nil:
		for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
			if d := r.ApplyServerSideEncryptionByDefault; d != nil {
				st.Spec.Encryption = string(d.SSEAlgorithm)
				break
			}
		}
	}
	pab, err := api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bn})
	switch {
	case notFound(err):
	case err != nil:
		return nil, fmt.Errorf("read public access block of bucket %s: %w", name, err)
	case pab.PublicAccessBlockConfiguration != nil:
		c := pab.PublicAccessBlockConfiguration
		st.Spec.BlockPublicAccess = sdkaws.ToBool(c.BlockPublicAcls) && sdkaws.ToBool(c.BlockPublicPolicy) &&
			sdkaws.ToBool(c.IgnorePublicAcls) && sdkaws.ToBool(c.RestrictPublicBuckets)
	}
	rep, err := api.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: bn})
	switch {
	case notFound(err):
	case err != nil:
		return nil, fmt.Errorf("read replication of bucket %s: %w", name, err)
	case rep.ReplicationConfiguration != nil:
		rc := rep.ReplicationConfiguration
		for _, r := range rc.Rules {
			if r.Destination == nil {
				continue
			}
			dest := strings.TrimPrefix(sdkaws.ToString(r.Destination.Bucket), "arn:aws:s3:::")
			st.ReplicationStatus = string(r.Status)
			st.Spec.CopyTo = &objectstore.Copy{Bucket: dest}
			if previous != nil && previous.Spec.CopyTo != nil && previous.Spec.CopyTo.Bucket == dest {
				st.Spec.CopyTo.Location = previous.Spec.CopyTo.Location
			} else if loc, err := b.locate(ctx, dest); err == nil {
				st.Spec.CopyTo.Location = loc
			}
			break
		}
		// The role named after the bucket is the one Apply creates (also
		// on import, where there is no previous status to say so).
		role := sdkaws.ToString(rc.Role)
		st.RoleCreated = strings.HasSuffix(role, ":role/"+RoleName(name))
		if !st.RoleCreated {
			st.Spec.ReplicationRole = role
		}
	}
	tags, err := api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: bn})
	switch {
	case notFound(err):
	case err != nil:
		return nil, fmt.Errorf("read tags of bucket %s: %w", name, err)
	default:
		all := map[string]string{}
		for _, t := range tags.TagSet {
			all[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
		}
		st.Spec.Tags = awsbase.UserTags(all)
		st.Spec.Blueprint, st.Spec.Component = all[awsbase.TagBlueprint], all[awsbase.TagComponent]
	}
	return st, nil
}

// locate finds the region of a bucket by name (us-east-1 answers for all).
func (b *Backend) locate(ctx context.Context, name string) (string, error) {
	api, _, err := b.clients(ctx, "us-east-1")
	if err != nil {
		return "", err
	}
	out, err := api.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: sdkaws.String(name)})
	if err != nil {
		if notFound(err) {
			return "", fmt.Errorf("bucket %s: %w", name, objectstore.ErrNotFound)
		}
		return "", fmt.Errorf("locate bucket %s: %w", name, err)
	}
	if out.LocationConstraint == "" {
		return "us-east-1", nil
	}
	return string(out.LocationConstraint), nil
}

// Delete removes the bucket (emptied first when ForceDestroy) and the
// replication role it created. A bucket that is gone is not an error.
func (b *Backend) Delete(ctx context.Context, st *objectstore.Status) error {
	api, iamc, err := b.clients(ctx, st.Spec.Location)
	if err != nil {
		return err
	}
	name := st.Spec.Name
	if st.Spec.ForceDestroy {
		if err := empty(ctx, api, name); err != nil && !notFound(err) {
			return err
		}
	}
	if _, err := api.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: sdkaws.String(name)}); err != nil && !notFound(err) {
		if awsbase.ErrorCode(err) == "BucketNotEmpty" {
			return fmt.Errorf("delete bucket %s: it still holds objects; set force_destroy = true to delete them with it: %w", name, err)
		}
		return fmt.Errorf("delete bucket %s: %w", name, err)
	}
	if st.RoleCreated {
		return deleteRole(ctx, iamc, RoleName(name))
	}
	return nil
}

// empty deletes every object version and delete marker.
func empty(ctx context.Context, api *s3.Client, name string) error {
	p := s3.NewListObjectVersionsPaginator(api, &s3.ListObjectVersionsInput{Bucket: sdkaws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list objects of bucket %s: %w", name, err)
		}
		var ids []types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) == 0 {
			continue
		}
		if _, err := api.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: sdkaws.String(name), Delete: &types.Delete{Objects: ids, Quiet: sdkaws.Bool(true)}}); err != nil {
			return fmt.Errorf("delete objects of bucket %s: %w", name, err)
		}
	}
	return nil
}

// destinationMissing is S3's answer to a replication rule whose destination
// bucket does not exist (yet).
func destinationMissing(err error) bool {
	return awsbase.ErrorCode(err) == "InvalidRequest" && strings.Contains(err.Error(), "Destination bucket") || awsbase.ErrorCode(err) == "NoSuchBucket"
}

func notFound(err error) bool {
	if err == nil {
		return false
	}
	var nsb *types.NoSuchBucket
	if errors.As(err, &nsb) {
		return true
	}
	switch awsbase.ErrorCode(err) {
	case "NoSuchBucket", "NotFound", "NoSuchEntity", "NoSuchTagSet", "NoSuchTagSetError",
		"ServerSideEncryptionConfigurationNotFoundError", "NoSuchPublicAccessBlockConfiguration",
		"ReplicationConfigurationNotFoundError":
		return true
	}
	return awsbase.HTTPStatus(err) == 404
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
