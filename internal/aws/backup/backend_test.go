package backup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/backup" // registers the AWS backend
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
)

// The backup plan backend found through the registry builds encrypted
// vaults in both locations, the plan and a snapshot copied to the copy
// location, which the copy location's backend then offers as the newest
// recovery point of the database; import reads it back from its id alone;
// Delete leaves nothing, and the plan then reads as backend.ErrNotFound.
func TestBackupPlanBackend(t *testing.T) {
	ctx := context.Background()
	sess, env := awstest.Start(t)
	s := &backend.Settings{AWS: backend.AWSSettings{
		Endpoint: env["HA_AWS_ENDPOINT"], AccessKey: env["HA_AWS_ACCESS_KEY"], SecretKey: env["HA_AWS_SECRET_KEY"], MaxRetries: 2,
	}}
	dbb, err := database.Open(ctx, backend.AWS, s, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbb.Apply(ctx, database.Spec{
		Meta:   backend.Meta{Name: "seam-bp-orders", Location: "us-east-1", Component: "east/orders/database", Blueprint: "seambp"},
		Engine: "postgres", InstanceClass: "db.t3.micro", StorageGB: 20, Username: "app", Password: "seam-test-password",
		SkipFinalSnapshot: true,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dbb.Delete(ctx, db) })

	b, err := backupplan.Open(ctx, backend.AWS, s, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	spec := backupplan.Spec{
		Meta:     backend.Meta{Name: "seam-bp", Location: "us-east-1", Component: "east/orders/backup_plan", Blueprint: "seambp"},
		Schedule: "cron(0 3 * * ? *)", RetentionDays: 7,
		Database: "east/orders/database", CopyToRegion: "west", CopyToLocation: "us-west-2",
		Encrypted: true, Resources: []string{db.URI},
	}
	wctx, warnings := backend.WithWarnings(ctx)
	st, err := b.Apply(wctx, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Delete(ctx, st) })
	for _, w := range warnings.List() {
		// Gaps of the local endpoint are warnings that name the call and never the emulator.
		if strings.Contains(strings.ToLower(w.Summary+w.Detail), "moto") {
			t.Errorf("warning names the emulator: %+v", w)
		}
	}
	for what, v := range map[string]string{
		"plan": st.ID, "vault": st.VaultID, "key": st.Spec.KeyID, "copy vault": st.CopyVaultID, "copy key": st.CopyKeyID,
		"snapshot": st.LatestSnapshotID, "copy": st.LatestCopyID,
	} {
		want := map[bool]string{true: ":us-west-2:", false: ":us-east-1:"}[strings.HasPrefix(what, "copy")]
		if !strings.Contains(v, want) {
			t.Errorf("%s = %q, want an ARN in %s", what, v, want)
		}
	}
	if !strings.HasSuffix(st.LatestCopyID, "-copy") || !strings.Contains(st.Spec.Role, "AWSBackupDefaultServiceRole") {
		t.Errorf("status: %+v", st)
	}

	west, err := backupplan.Open(ctx, backend.AWS, s, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	rp, err := west.LatestRecoveryPoint(ctx, "seambp", "east/orders/database")
	if err != nil || rp.ID != st.LatestCopyID || rp.Location != "us-west-2" {
		t.Errorf("LatestRecoveryPoint = %+v, %v; want %s", rp, err, st.LatestCopyID)
	}
	if _, err := west.LatestRecoveryPoint(ctx, "seambp", "east/other/database"); !backend.IsNotFound(err) {
		t.Errorf("recovery point of a database never backed up: %v", err)
	}
	// Another blueprint's database of the same component key is not ours
	// to restore.
	if rp, err := west.LatestRecoveryPoint(ctx, "otherbp", "east/orders/database"); !backend.IsNotFound(err) {
		t.Errorf("recovery point for another blueprint: %+v, %v; want not found", rp, err)
	}

	got, err := b.Read(ctx, backupplan.Spec{Meta: backend.Meta{Location: "us-east-1"}}, &backupplan.Status{ID: st.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Name != "seam-bp" || got.Spec.CopyToLocation != "us-west-2" || got.Spec.Database != "east/orders/database" ||
		got.Spec.CopyToRegion != "west" || got.Spec.Component != spec.Component || !got.Spec.Encrypted || got.PlanID != st.PlanID {
		t.Errorf("imported: %+v", got)
	}

	if err := b.Delete(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(ctx, spec, st); !backend.IsNotFound(err) {
		t.Errorf("read after delete: %v, want backend.ErrNotFound", err)
	}
	cfg, err := sess.Config(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	_, _, id, _ := rds.ParseARN(st.LatestCopyID)
	if _, err := rds.New(cfg).GetSnapshot(ctx, id); !backend.IsNotFound(err) {
		t.Errorf("copy %s left after delete: %v", id, err)
	}
}
