package rds_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds" // registers the AWS backends
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
)

// settings are backend settings on the local AWS endpoint of the test.
func settings(t *testing.T) *backend.Settings {
	t.Helper()
	_, env := awstest.Start(t)
	return &backend.Settings{AWS: backend.AWSSettings{
		Endpoint: env["HA_AWS_ENDPOINT"], AccessKey: env["HA_AWS_ACCESS_KEY"], SecretKey: env["HA_AWS_SECRET_KEY"], MaxRetries: 2,
	}}
}

func dbSpec(name, component string) database.Spec {
	return database.Spec{
		Meta:          backend.Meta{Name: name, Location: "us-east-1", Component: component, Blueprint: "seam", Tags: map[string]string{"tier": "gold"}},
		Engine:        "postgres",
		InstanceClass: "db.t3.micro", StorageGB: 20, BackupRetention: 7,
		Username: "app", Password: "seam-test-password", SkipFinalSnapshot: true,
	}
}

// The database backend found through the registry creates, adopts what a
// killed apply made, updates in place, reads by name alone (import) and
// deletes; a deleted database reads as backend.ErrNotFound.
func TestDatabaseBackend(t *testing.T) {
	ctx := context.Background()
	b, err := database.Open(ctx, backend.AWS, settings(t), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	spec := dbSpec("seam-orders", "east/orders/database")
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Delete(ctx, st) })
	if !strings.HasPrefix(st.URI, "arn:aws:rds:us-east-1:") || st.Address == "" || !strings.HasSuffix(st.Endpoint, ":5432") {
		t.Errorf("created: %+v", st)
	}
	if st.Spec.Component != "east/orders/database" || st.Spec.Tags["tier"] != "gold" || len(st.Spec.Tags) != 1 || st.Spec.Password != spec.Password {
		t.Errorf("created spec: %+v", st.Spec)
	}
	again, err := b.Apply(ctx, spec, nil)
	if err != nil || again.URI != st.URI {
		t.Fatalf("a second create of the same component (a killed apply) did not adopt: %v, %v", again, err)
	}

	changed := spec
	changed.InstanceClass, changed.StorageGB, changed.Tags = "db.t3.small", 30, map[string]string{"tier": "silver"}
	up, err := b.Apply(ctx, changed, st)
	if err != nil {
		t.Fatal(err)
	}
	if up.Spec.InstanceClass != "db.t3.small" || up.Spec.StorageGB != 30 || up.Spec.Tags["tier"] != "silver" {
		t.Errorf("updated: %+v", up.Spec)
	}

	got, err := b.Read(ctx, database.Spec{Meta: backend.Meta{Name: spec.Name, Location: "us-east-1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.URI != st.URI || got.Spec.Component != spec.Component || got.Spec.Blueprint != "seam" || got.Spec.Username != "app" {
		t.Errorf("read by name: %+v", got)
	}

	if err := b.Delete(ctx, up); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx, spec, up); !backend.IsNotFound(err) {
		t.Errorf("read after delete: %v, want backend.ErrNotFound", err)
	}
	if err := b.Delete(ctx, up); err != nil {
		t.Errorf("deleting a gone database: %v", err)
	}
}

// A replica found by its source's tags is created and promoted in one
// Apply; a replica whose engine is not its source's fails with
// replica.ErrEngineMismatch and returns the instance that exists.
func TestReplicaBackend(t *testing.T) {
	ctx := context.Background()
	s := settings(t)
	db, err := database.Open(ctx, backend.AWS, s, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	src, err := db.Apply(ctx, dbSpec("seam-source", "east/orders/database"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Delete(ctx, src) })
	rb, err := replica.Open(ctx, backend.AWS, s, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	spec := replica.Spec{
		Meta:            backend.Meta{Name: "seam-replica", Location: "us-east-1", Component: "east/orders/replica", Blueprint: "seam"},
		SourceLocation:  "us-east-1",
		SourceComponent: "east/orders/database",
		BackupRetention: 3,
		Promote:         true,
	}
	if spec.SourceID, err = rb.FindSource(ctx, spec); err != nil || spec.SourceID != src.URI {
		t.Fatalf("FindSource = %q, %v; want %s", spec.SourceID, err, src.URI)
	}
	st, err := rb.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rb.Delete(ctx, st) })
	if st.Role != replica.RolePrimary || st.ReplicatingFrom != "" || !st.Spec.Promote || st.Spec.BackupRetention != 3 {
		t.Errorf("promoted in one apply: %+v", st)
	}
	if st.Spec.SourceComponent != "east/orders/database" || st.Spec.SourceID == "" {
		t.Errorf("source not recorded: %+v", st.Spec)
	}

	bad := spec
	bad.Name, bad.Component, bad.Engine, bad.Promote = "seam-mysql", "east/orders/mysql", "mysql", false
	bad.SourceID = src.URI
	partial, err := rb.Apply(ctx, bad, nil)
	if !errors.Is(err, replica.ErrEngineMismatch) || !strings.Contains(err.Error(), `"mysql" but the source runs "postgres"`) {
		t.Errorf("engine mismatch: %v", err)
	}
	if partial == nil || partial.URI == "" || partial.Role != replica.RoleReplica {
		t.Fatalf("the replica that exists was not returned: %+v", partial)
	}
	if err := rb.Delete(ctx, partial); err != nil {
		t.Errorf("delete replica: %v", err)
	}
	if _, err := rb.Read(ctx, bad, partial); !backend.IsNotFound(err) {
		t.Errorf("read after delete: %v", err)
	}
}
