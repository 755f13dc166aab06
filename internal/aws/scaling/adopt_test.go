package scaling

import (
	"context"
	"testing"
	"time"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
)

// A create repeated after an interrupted run of the same component goes on
// with the group already made and never makes a second one. (AWS answers
// the repeat with AlreadyExists, which ownGroupExists turns into adoption
// for the same ha:component only; the local endpoint accepts the repeat.)
func TestCreateAdoptsOwnGroup(t *testing.T) {
	s := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := New(ctx, s, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	c.Poll = 200 * time.Millisecond
	spec := Spec{
		Name: "adopt-sg", Zones: []string{"us-east-1a"}, Image: awstest.Image, InstanceType: "t3.micro",
		MinSize: 1, DesiredCapacity: 1, MaxSize: 2, GracePeriod: 30, MinHealthyPercentage: 50,
		Tags: awsbase.Tags(nil, "adoptsg", "east/web/scaling_group"),
	}
	if _, err := c.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), spec.Name) })
	st, err := c.Create(ctx, spec)
	if err != nil {
		t.Fatalf("second create of the same component: %v", err)
	}
	if len(st.Instances) != 1 {
		t.Errorf("adopted group: %+v", st)
	}
	groups, _, err := c.Owned(ctx, "adoptsg")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 {
		t.Errorf("groups: %v", groups)
	}
}
