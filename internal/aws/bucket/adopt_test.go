package bucket_test

import (
	"context"
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
