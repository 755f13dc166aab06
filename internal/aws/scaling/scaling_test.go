package scaling

import (
	"context"
	"errors"
	"testing"
	"time"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/loadbalancer"
)

func TestLifecycleAndRoll(t *testing.T) {
	s := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const loc = "us-east-1"
	lbc, err := loadbalancer.New(ctx, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	tags := awsbase.Tags(nil, "sgtest", "east/web/scaling_group")
	lb, err := lbc.Create(ctx, loadbalancer.Spec{
		Name: "sgtest-lb", Zones: []string{"us-east-1a", "us-east-1b"}, Layer: 7,
		Listeners:   []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}},
		HealthCheck: loadbalancer.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/", Interval: 10, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 2, Matcher: "200"},
		Tags:        tags,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lbc.Delete(context.Background(), lb.ARN, "sgtest-lb") })

	c, err := New(ctx, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	c.Poll = 200 * time.Millisecond
	c.Logf = t.Logf
	spec := Spec{
		Name: "sgtest", Zones: []string{"us-east-1a", "us-east-1b"}, Image: awstest.Image, InstanceType: "t3.micro",
		MinSize: 2, DesiredCapacity: 4, MaxSize: 6, CPUTarget: 60, GracePeriod: 30, MinHealthyPercentage: 50,
		TargetGroupARN: lb.TargetGroupARN, Tags: tags,
	}
	st, err := c.Create(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Instances) != 4 || st.CPUTarget != 60 || st.HealthCheckType != "ELB" || st.TargetGroupARN != lb.TargetGroupARN || st.Image != awstest.Image {
		t.Fatalf("after create: %+v", st)
	}
	before := map[string]bool{}
	for _, i := range st.Instances {
		before[i.ID] = true
	}

	spec.Image = awstest.OtherImage
	spec.CPUTarget = 0
	up, err := c.Update(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if up.RollMethod == "" || up.Image != awstest.OtherImage || up.CPUTarget != 0 || up.LaunchTemplateVersion != 2 {
		t.Fatalf("after update: %+v", up)
	}
	if len(up.Instances) != 4 {
		t.Fatalf("instances after roll: %+v", up.Instances)
	}
	for _, i := range up.Instances {
		if before[i.ID] || i.Image != awstest.OtherImage {
			t.Fatalf("instance %s not rolled: %+v", i.ID, i)
		}
	}
	t.Logf("rolled by %s", up.RollMethod)

	// A group of one at 100 %% rolls by surging.
	spec.MinSize, spec.DesiredCapacity, spec.MaxSize, spec.MinHealthyPercentage = 1, 1, 1, 100
	spec.InstanceType = "t3.small"
	up, err = c.Update(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Instances) != 1 || up.Instances[0].InstanceType != "t3.small" || up.MaxSize != 1 {
		t.Fatalf("after surge roll: %+v", up)
	}

	if err := c.Delete(ctx, "sgtest"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(ctx, "sgtest"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if err := c.Delete(ctx, "sgtest"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	g, lt, err := c.Owned(ctx, "sgtest")
	if err != nil || len(g)+len(lt) != 0 {
		t.Fatalf("left over: %v %v %v", g, lt, err)
	}
}

func TestBatchSize(t *testing.T) {
	for _, c := range []struct{ desired, pct, want int }{
		{4, 50, 2}, {3, 50, 1}, {3, 90, 0}, {10, 90, 1}, {1, 100, 0}, {1, 0, 1}, {5, 0, 5}, {0, 50, 0},
	} {
		if got := batchSize(c.desired, c.pct); got != c.want {
			t.Errorf("batchSize(%d, %d%%) = %d, want %d", c.desired, c.pct, got, c.want)
		}
	}
}
