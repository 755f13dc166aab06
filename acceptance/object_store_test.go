package acceptance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/bucket"
	"github.com/ha-blueprints/terraform-provider-ha/internal/objectstore"
)

func (d *awsData) s3(location string) *s3.Client {
	d.t.Helper()
	cfg, err := d.session.Config(context.Background(), location)
	if err != nil {
		d.t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// bucketsGone is CheckDestroy for buckets (and the replication roles made
// for them), read through the SDK.
func (d *awsData) bucketsGone(names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		b := bucket.New(d.session)
		for _, n := range names {
			if _, err := b.Read(context.Background(), n, "us-east-1", nil); !errors.Is(err, objectstore.ErrNotFound) {
				return fmt.Errorf("bucket %s after destroy: %w", n, err)
			}
			if ok, err := b.RoleExists(context.Background(), "us-east-1", n); ok || err != nil {
				return fmt.Errorf("replication role of %s after destroy: exists=%v %w", n, ok, err)
			}
		}
		return nil
	}
}

func objectStoreConfig(d *awsData, primary, replica, extra string) string {
	return providerBlock + fmt.Sprintf(`
resource "ha_object_store" "replica" {
  location  = "us-west-2"
  name      = %[2]q
  component = "west/uploads/object_store"
  blueprint = %[3]q
}

resource "ha_object_store" "primary" {
  location           = "us-east-1"
  name               = %[1]q
  component          = "east/uploads/object_store"
  blueprint          = %[3]q
  copy_to_bucket_arn = ha_object_store.replica.arn
  copy_to_location   = ha_object_store.replica.location
  force_destroy      = true
%[4]s
}
`, primary, replica, d.blueprint, extra)
}

func TestAccObjectStore_basic(t *testing.T) {
	d := newAWSData(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		primary, replica := uniqueName("up-e-"+cli.Name), uniqueName("up-w-"+cli.Name)
		cfg := objectStoreConfig(d, primary, replica, `  tags = { team = "files" }`)
		return resource.TestCase{
			CheckDestroy: d.bucketsGone(primary, replica),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_object_store.primary", tfjsonpath.New("arn"), knownvalue.StringExact("arn:aws:s3:::"+primary)),
						statecheck.ExpectKnownValue("ha_object_store.primary", tfjsonpath.New("versioning"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue("ha_object_store.primary", tfjsonpath.New("encryption"), knownvalue.StringExact("AES256")),
						statecheck.ExpectKnownValue("ha_object_store.primary", tfjsonpath.New("block_public_access"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue("ha_object_store.primary", tfjsonpath.New("replication_status"), knownvalue.StringExact("Enabled")),
						statecheck.ExpectKnownValue("ha_object_store.primary", tfjsonpath.New("copy_to_location"), knownvalue.StringExact("us-west-2")),
						statecheck.ExpectKnownValue("ha_object_store.replica", tfjsonpath.New("replication_status"), knownvalue.StringExact("")),
					},
					Check: func(*terraform.State) error {
						ctx := context.Background()
						api := d.s3("us-east-1")
						v, err := api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: sdkaws.String(replica)})
						if err != nil || v.Status != "Enabled" {
							return fmt.Errorf("replica versioning in AWS: %v %w", v, err)
						}
						pab, err := api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: sdkaws.String(primary)})
						if err != nil || !sdkaws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
							return fmt.Errorf("public access block in AWS: %w", err)
						}
						enc, err := api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: sdkaws.String(primary)})
						if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" {
							return fmt.Errorf("default encryption in AWS: %w", err)
						}
						rep, err := api.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: sdkaws.String(primary)})
						if err != nil || sdkaws.ToString(rep.ReplicationConfiguration.Rules[0].Destination.Bucket) != "arn:aws:s3:::"+replica {
							return fmt.Errorf("replication in AWS: %w", err)
						}
						tags, err := api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: sdkaws.String(primary)})
						if err != nil || len(tags.TagSet) != 3 {
							return fmt.Errorf("tags in AWS: %v %w", tags, err)
						}
						return nil
					},
				},
				{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
				{ResourceName: "ha_object_store.primary", ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"force_destroy"}},
				{ResourceName: "ha_object_store.replica", ImportState: true, ImportStateId: "us-west-2/" + replica, ImportStateVerify: true},
			},
		}
	})
}

func TestAccObjectStore_update(t *testing.T) {
	d := newAWSData(t)
	primary, replica := uniqueName("upu-e"), uniqueName("upu-w")
	Test(t, resource.TestCase{
		CheckDestroy: d.bucketsGone(primary, replica),
		Steps: []resource.TestStep{
			{Config: objectStoreConfig(d, primary, replica, "")},
			{
				Config: objectStoreConfig(d, primary, replica, `  block_public_access = false
  encryption = "aws:kms"
  tags = { tier = "gold" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_object_store.primary", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					api := d.s3("us-east-1")
					enc, err := api.GetBucketEncryption(context.Background(), &s3.GetBucketEncryptionInput{Bucket: sdkaws.String(primary)})
					if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "aws:kms" {
						return fmt.Errorf("encryption not changed in AWS: %w", err)
					}
					if _, err := api.GetPublicAccessBlock(context.Background(), &s3.GetPublicAccessBlockInput{Bucket: sdkaws.String(primary)}); err == nil {
						return errors.New("public access block still set in AWS")
					}
					return nil
				},
			},
			// The copy removed in place: the rule and the role made for it go.
			{
				Config: strings.Replace(strings.Replace(objectStoreConfig(d, primary, replica, ""),
					"  copy_to_bucket_arn = ha_object_store.replica.arn\n", "", 1), "  copy_to_location   = ha_object_store.replica.location\n", "", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_object_store.primary", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_object_store.primary", tfjsonpath.New("replication_status"), knownvalue.StringExact("")),
				},
				Check: func(*terraform.State) error {
					if ok, err := bucket.New(d.session).RoleExists(context.Background(), "us-east-1", primary); ok || err != nil {
						return fmt.Errorf("replication role after the copy was removed: %v %w", ok, err)
					}
					return nil
				},
			},
		},
	})
}

func TestAccObjectStore_disappears(t *testing.T) {
	d := newAWSData(t)
	primary, replica := uniqueName("upd-e"), uniqueName("upd-w")
	cfg := objectStoreConfig(d, primary, replica, "")
	Test(t, resource.TestCase{
		CheckDestroy: d.bucketsGone(primary, replica),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(*terraform.State) error {
					_, err := d.s3("us-east-1").DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: sdkaws.String(primary)})
					return err
				},
				ExpectNonEmptyPlan: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_object_store.primary", plancheck.ResourceActionCreate),
				}},
			},
			// Drift: public access unblocked by hand is shown and put back.
			{
				Config: cfg,
				PreConfig: func() {
					if _, err := d.s3("us-east-1").DeletePublicAccessBlock(context.Background(), &s3.DeletePublicAccessBlockInput{Bucket: sdkaws.String(primary)}); err != nil {
						t.Fatal(err)
					}
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("ha_object_store.primary", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_object_store.primary", tfjsonpath.New("block_public_access"), knownvalue.Bool(true)),
				},
			},
			// A non-empty bucket without force_destroy refuses destroy, clearly.
			{
				Config: strings.Replace(cfg, "force_destroy      = true", "force_destroy      = false", 1),
				Check: func(*terraform.State) error {
					_, err := d.s3("us-east-1").PutObject(context.Background(), &s3.PutObjectInput{Bucket: sdkaws.String(primary), Key: sdkaws.String("k"), Body: strings.NewReader("v")})
					return err
				},
			},
			{Config: strings.Replace(cfg, "force_destroy      = true", "force_destroy      = false", 1), Destroy: true, ExpectError: regexp.MustCompile(`(?s)force_destroy`)},
			{Config: cfg},
		},
	})
}
