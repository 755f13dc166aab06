package acceptance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/bucket"
	"github.com/ha-blueprints/terraform-provider-ha/internal/objectstore"
)

const servicesBlueprint = `
blueprint %q {}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}

region "west" {
  cloud    = "aws"
  location = "us-west-2"
}

cache "sessions" {
  engine       = "valkey"
  version      = "7.2"
  node_type    = "cache.t3.micro"
  cross_region = true
}

object_store "uploads" {
  copy_to = [region.west]
}

alerts {
  email = ["ops@example.com"]
}
`

// TestAccServices_throughStackWithRecovery applies a blueprint with a
// session store, a replicated bucket and alerts through modules/stack;
// then loses east: west's bucket becomes the primary and copies into a new
// bucket in the rebuilt east, west's cache group is the primary, and the
// alarms follow. Each step is read back through the SDK.
func TestAccServices_throughStackWithRecovery(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.Moto)
	name := "sv" + acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum)
	dir := t.TempDir()
	bpPath := filepath.Join(dir, "svc.ha.hcl")
	if err := os.WriteFile(bpPath, []byte(fmt.Sprintf(servicesBlueprint, name)), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newCLI(t, CLIs(t)[0], dir, stackRoot(bpPath, `
  force_destroy_buckets = true
  database_password     = "no-database-here"`+drArgs, drVariables))
	sess := awsbase.NewSession(awsbase.Settings{Endpoint: env["HA_AWS_ENDPOINT"], AccessKey: env["HA_AWS_ACCESS_KEY"], SecretKey: env["HA_AWS_SECRET_KEY"]})
	b := bucket.New(sess)
	ctx := context.Background()
	store := func(k string) string { return `module.stack.ha_object_store.this["` + k + `"]` }
	cacheAddr := func(k string) string { return `module.stack.ha_cache.this["` + k + `"]` }

	tf.apply()
	st := tf.state()
	st.expect(store("east/uploads/object_store"), "copy_to_bucket_arn", "arn:aws:s3:::"+name+"-west-uploads")
	st.expect(cacheAddr("west/sessions/cache"), "role", "standby")
	got, err := b.Read(ctx, name+"-east-uploads", "us-east-1", nil)
	if err != nil || got.Spec.CopyTo == nil || got.Spec.CopyTo.Bucket != name+"-west-uploads" {
		t.Fatalf("east bucket in AWS: %+v %v", got, err)
	}
	tf.planEmpty()

	lost := []string{`lost_regions=["east"]`, `replacements={east="us-east-2"}`}
	tf.apply(lost...)
	st = tf.state()
	rebuilt := name + "-east-uploads-us-east-2"
	st.expect(store("west/uploads/object_store"), "copy_to_bucket_arn", "arn:aws:s3:::"+rebuilt)
	st.expect(store("east/uploads/object_store"), "name", rebuilt)
	st.expect(store("east/uploads/object_store"), "location", "us-east-2")
	st.expect(cacheAddr("west/sessions/cache"), "role", "primary")
	st.expect(cacheAddr("east/sessions/cache"), "location", "us-east-2")
	got, err = b.Read(ctx, name+"-west-uploads", "us-west-2", nil)
	if err != nil || got.Spec.CopyTo == nil || got.Spec.CopyTo.Bucket != rebuilt {
		t.Fatalf("west bucket in AWS after the loss of east: %+v %v", got, err)
	}
	if _, err := b.Read(ctx, name+"-east-uploads", "us-east-1", nil); !errors.Is(err, objectstore.ErrNotFound) {
		t.Fatalf("the lost region's bucket is still managed or left: %v", err)
	}
	tf.planEmpty(lost...)
	tf.destroy(lost...)
	for _, n := range []string{rebuilt, name + "-west-uploads"} {
		if _, err := b.Read(ctx, n, "", nil); !errors.Is(err, objectstore.ErrNotFound) {
			t.Errorf("bucket %s after destroy: %v", n, err)
		}
	}
}
