package rds_test

import (
	"context"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
)

// A create that meets "already exists" adopts the instance an interrupted
// earlier run of the same component made (terraform killed after the call,
// or a lost answer retried), and refuses one owned by another component.
func TestCreateAdoptsOwnInstance(t *testing.T) {
	s := awstest.Session(t)
	ctx := context.Background()
	cfg, err := s.Config(ctx, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	c := rds.New(cfg)
	in := rds.CreateInput{
		Identifier: "adopt-orders", Engine: "postgres", InstanceClass: "db.t3.micro", AllocatedStorage: 20,
		Username: "app", Password: "adopt-test-password",
		Tags: map[string]string{"ha:blueprint": "adopt", "ha:component": "east/orders/database"},
	}
	first, err := c.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(ctx, in.Identifier, rds.DeleteInput{SkipFinalSnapshot: true}) })
	again, err := c.Create(ctx, in)
	if err != nil {
		t.Fatalf("second create of the same component: %v", err)
	}
	if again.ARN != first.ARN {
		t.Errorf("adopted %s, want %s", again.ARN, first.ARN)
	}
	other := in
	other.Tags = map[string]string{"ha:blueprint": "adopt", "ha:component": "west/orders/database"}
	if _, err := c.Create(ctx, other); err == nil {
		t.Error("a create adopted an instance owned by another component")
	}
	all, err := c.ListInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, i := range all {
		if i.Identifier == in.Identifier {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d instances named %s", n, in.Identifier)
	}
}
