package alarms_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/alerts"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/alarms"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// A create whose topic exists (a killed run made it) adopts the
// component's own and refuses another component's.
func TestAlarms_createAdoptsOwnRefusesOthers(t *testing.T) {
	sess := awstest.Session(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := alarms.New(sess)
	spec := alerts.Spec{Meta: backend.Meta{Name: fmt.Sprintf("t-adopt-%d", time.Now().UnixNano()%1e9), Location: "us-east-1", Component: "east/alerts/alerts"}}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Delete(ctx, st) }()
	again, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatalf("create over the component's own topic: %v", err)
	}
	if again.TopicID != st.TopicID {
		t.Fatalf("adopted %q, made %q", again.TopicID, st.TopicID)
	}
	other := spec
	other.Component = "west/other/alerts"
	if _, err := b.Apply(ctx, other, nil); err == nil || !strings.Contains(err.Error(), "not this component's") {
		t.Fatalf("create over another component's topic: %v", err)
	}
}
