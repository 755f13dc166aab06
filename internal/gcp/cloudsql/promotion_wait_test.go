package cloudsql

import (
	"context"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
)

// A disaster recovery and its failback as modules/stack runs them, where
// two replicas are instances of one resource block and nothing orders
// them: a rebuilt region's replica is created while the copy it follows is
// still being promoted (it waits for the promotion instead of finding no
// source), and on failback the promoted copy is deleted while the copy
// replicating from it is being promoted (the delete waits for it instead
// of failing on a replication master).
func TestLocalReplicaWaitsForPromotionInTheSameApply(t *testing.T) {
	s, _, _ := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dbs, err := database.Open(ctx, backend.GCP, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	spec := dbSpec("dr-east", "us-east1")
	spec.DeletionProtection = false
	if _, err := dbs.Apply(ctx, spec, nil); err != nil {
		t.Fatal(err)
	}
	open := func(loc string) replica.Backend {
		b, err := replica.Open(ctx, backend.GCP, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	west, rebuilt := open("us-west1"), open("europe-west1")
	wspec := replica.Spec{Meta: backend.Meta{Name: "dr-west", Location: "us-west1", Component: "west/db/replica", Blueprint: "shop"},
		SourceLocation: "us-east1", SourceComponent: "east/db", Engine: "postgres"}
	w, err := west.Apply(ctx, wspec, nil)
	if err != nil {
		t.Fatal(err)
	}

	// East is lost: west is promoted while the rebuilt east's replica of it is created.
	wspec.Promote = true
	done := make(chan error, 1)
	go func() {
		var err error
		w, err = west.Apply(ctx, wspec, w)
		done <- err
	}()
	espec := replica.Spec{Meta: backend.Meta{Name: "dr-east-replica", Location: "europe-west1", Component: "east/db/replica", Blueprint: "shop"},
		SourceLocation: "us-west1", SourceComponent: "west/db/replica", Engine: "postgres"}
	e, err := rebuilt.Apply(ctx, espec, nil)
	if err != nil {
		t.Fatalf("replica of the copy being promoted: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e.ReplicatingFrom != "dr-west" || w.Role != replica.RolePrimary {
		t.Fatalf("rebuilt replica follows %q (want dr-west); west is %s", e.ReplicatingFrom, w.Role)
	}

	// Failback: east is promoted while west, its master, is deleted.
	espec.Promote = true
	go func() {
		_, err := rebuilt.Apply(ctx, espec, e)
		done <- err
	}()
	if err := west.Delete(ctx, w); err != nil {
		t.Fatalf("delete of the master whose replica is being promoted: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
