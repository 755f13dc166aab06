package bucket_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/bucket"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/objectstore"
)

// TestBucket_lifecycle creates a replica and a primary bucket copying to
// it, checks every setting by an independent S3 read, changes settings in
// place, and deletes both (the primary with an object in it).
func TestBucket_lifecycle(t *testing.T) {
	sess := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := bucket.New(sess)
	suffix := fmt.Sprint(time.Now().UnixNano() % 1e9)
	replica := objectstore.Spec{Meta: backend.Meta{Name: "t-west-up-" + suffix, Location: "us-west-2", Component: "west/up/object_store"}, Versioning: true, Encryption: "AES256", BlockPublicAccess: true}
	rst, err := b.Apply(ctx, replica, nil)
	if err != nil {
		t.Fatal(err)
	}
	primary := objectstore.Spec{Meta: backend.Meta{Name: "t-east-up-" + suffix, Location: "us-east-1", Tags: map[string]string{"team": "files"}}, Versioning: true, Encryption: "AES256", BlockPublicAccess: true,
		CopyTo: &objectstore.Copy{Bucket: replica.Name, Location: "us-west-2"}, ForceDestroy: true}
	pst, err := b.Apply(ctx, primary, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pst.Spec.CopyTo == nil || pst.Spec.CopyTo.Bucket != replica.Name || pst.Spec.CopyTo.Location != "us-west-2" || pst.ReplicationStatus != "Enabled" || !pst.RoleCreated {
		t.Fatalf("primary status = %+v copy %+v", pst, pst.Spec.CopyTo)
	}

	// Independent read through the SDK.
	cfg, err := sess.Config(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	api := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	v, err := api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: sdkaws.String(replica.Name)})
	if err != nil || v.Status != "Enabled" {
		t.Fatalf("replica versioning = %v, %v", v, err)
	}
	rep, err := api.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: sdkaws.String(primary.Name)})
	if err != nil || !strings.HasSuffix(sdkaws.ToString(rep.ReplicationConfiguration.Rules[0].Destination.Bucket), replica.Name) ||
		!strings.HasSuffix(sdkaws.ToString(rep.ReplicationConfiguration.Role), bucket.RoleName(primary.Name)) {
		t.Fatalf("replication = %+v, %v", rep, err)
	}
	if ok, err := b.RoleExists(ctx, "us-east-1", primary.Name); !ok || err != nil {
		t.Fatalf("replication role exists = %v, %v", ok, err)
	}

	// Import by name alone finds the location.
	got, err := b.Read(ctx, primary.Name, "", nil)
	if err != nil || got.Spec.Location != "us-east-1" || !got.Spec.BlockPublicAccess || got.Spec.Encryption != "AES256" || got.Spec.Tags["team"] != "files" {
		t.Fatalf("read by name = %+v, %v", got, err)
	}

	// In place: public access block off, copy removed (its role goes too).
	primary.BlockPublicAccess, primary.CopyTo = false, nil
	pst, err = b.Apply(ctx, primary, pst)
	if err != nil {
		t.Fatal(err)
	}
	if pst.Spec.BlockPublicAccess || pst.Spec.CopyTo != nil || pst.RoleCreated {
		t.Fatalf("after update = %+v", pst)
	}
	if ok, _ := b.RoleExists(ctx, "us-east-1", primary.Name); ok {
		t.Fatal("replication role left after the copy was removed")
	}

	if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(primary.Name), Key: sdkaws.String("a.txt"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, pst); err != nil {
		t.Fatal(err)
	}
	// The replica holds nothing: deleted without force.
	if err := b.Delete(ctx, rst); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{primary.Name, replica.Name} {
		if _, err := b.Read(ctx, n, "us-east-1", nil); !errors.Is(err, objectstore.ErrNotFound) {
			t.Fatalf("bucket %s after delete: %v", n, err)
		}
	}
	if err := b.Delete(ctx, pst); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

// A create that meets a bucket of its name adopts the component's own
// (tagged with its ha:component) and an untagged empty one (a run killed
// before tagging), and refuses another component's or an untagged one
// holding objects.
func TestBucket_createAdoptsOwnRefusesOthers(t *testing.T) {
	sess := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := bucket.New(sess)
	suffix := fmt.Sprint(time.Now().UnixNano() % 1e9)
	spec := objectstore.Spec{Meta: backend.Meta{Name: "t-adopt-" + suffix, Location: "us-east-1", Component: "east/up/object_store"}, Versioning: true, ForceDestroy: true}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Delete(ctx, st) }()
	if _, err := b.Apply(ctx, spec, nil); err != nil {
		t.Fatalf("create over the component's own bucket: %v", err)
	}
	other := spec
	other.Component = "west/other/object_store"
	if _, err := b.Apply(ctx, other, nil); err == nil || !strings.Contains(err.Error(), "not this component's") {
		t.Fatalf("create over another component's bucket: %v", err)
	}

	cfg, err := sess.Config(ctx, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	api := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bare := spec
	bare.Name = "t-adopt-bare-" + suffix
	if _, err := api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdkaws.String(bare.Name)}); err != nil {
		t.Fatal(err)
	}
	bst, err := b.Apply(ctx, bare, nil)
	if err != nil {
		t.Fatalf("create over an untagged empty bucket: %v", err)
	}
	defer func() { _ = b.Delete(ctx, bst) }()

	full := spec
	full.Name = "t-adopt-full-" + suffix
	if _, err := api.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdkaws.String(full.Name)}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Delete(ctx, &objectstore.Status{Spec: full}) }()
	if _, err := api.PutObject(ctx, &s3.PutObjectInput{Bucket: sdkaws.String(full.Name), Key: sdkaws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Apply(ctx, full, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("create over an untagged bucket holding objects: %v", err)
	}
}
