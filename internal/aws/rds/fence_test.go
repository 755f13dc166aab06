package rds

import (
	"context"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
)

// The cross-region replica delete workaround (promote first) is for the
// local endpoint's gap only: a replica backend on real AWS never applies it.
func TestReplicaWorkaroundOnlyWithEndpointOverride(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for endpoint, want := range map[string]bool{"": false, "http://127.0.0.1:1": true} {
		s := &backend.Settings{AWS: backend.AWSSettings{Endpoint: endpoint, AccessKey: "k", SecretKey: "s"}}
		b, err := replica.Open(context.Background(), backend.AWS, s, "us-east-1")
		if err != nil {
			t.Fatal(err)
		}
		if got := b.(*Replicas).overridden; got != want {
			t.Errorf("endpoint %q: workaround enabled = %v, want %v", endpoint, got, want)
		}
	}
}
