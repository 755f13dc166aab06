package cloudsql

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	sqladmin "google.golang.org/api/sqladmin/v1beta4"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/gcplocal"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backupplan"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
	"github.com/ha-blueprints/terraform-provider-ha/internal/replica"
)

var (
	contractOnce sync.Once
	contract     *gcplocal.Contract
	contractErr  error
)

// recorder keeps every request body the backends send, to check that the
// master password never travels anywhere but the user and instance calls.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	next   http.Handler
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, req.Method+" "+req.URL.Path+" "+string(b))
	r.mu.Unlock()
	req.Body = io.NopCloser(strings.NewReader(string(b)))
	r.next.ServeHTTP(w, req)
}

// local starts the local GCP endpoint in-process on a free port (checked
// against the sqladmin discovery documents); every contract violation the
// backends cause fails the test, and the server stops with it.
func local(t *testing.T) (*backend.Settings, *sqladmin.Service, *recorder) {
	t.Helper()
	contractOnce.Do(func() {
		dir, err := gcplocal.ModuleDir(".")
		if err == nil {
			contract, err = gcplocal.LoadContract(dir)
		}
		contractErr = err
	})
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	srv := gcplocal.New(contract)
	rec := &recorder{next: srv}
	ts := httptest.NewServer(rec)
	t.Cleanup(ts.Close)
	t.Cleanup(func() {
		for _, v := range srv.Errors() {
			b, _ := json.Marshal(v)
			t.Errorf("contract violation: %s", b)
		}
	})
	oldPoll := gcp.Poll
	gcp.Poll = 5 * time.Millisecond
	t.Cleanup(func() { gcp.Poll = oldPoll })
	raw, err := sqladmin.NewService(context.Background(), option.WithEndpoint(ts.URL+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	return &backend.Settings{GCP: backend.GCPSettings{Project: "ha-test", SQLAdminEndpoint: ts.URL, ComputeEndpoint: ts.URL + "/compute/v1/"}}, raw, rec
}

func dbSpec(name, location string) database.Spec {
	return database.Spec{
		Meta:   backend.Meta{Name: name, Location: location, Component: "east/db", Blueprint: "shop"},
		Engine: "postgres", EngineVersion: "16", InstanceClass: "db-custom-2-7680", StorageGB: 20,
		HighAvailability: true, BackupRetention: 7, BackupWindow: "03:00-04:00", DeletionProtection: true,
		Username: "app", Password: "s3cret-never-logged",
	}
}

func databases(t *testing.T, raw *sqladmin.Service, instance string) []string {
	t.Helper()
	l, err := raw.Databases.List("ha-test", instance).Do()
	if err != nil {
		t.Fatalf("list databases of %s: %v", instance, err)
	}
	var out []string
	for _, d := range l.Items {
		out = append(out, d.Name)
	}
	sort.Strings(out)
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// createDatabase makes a database on an instance through the API and waits,
// standing in for data written by the application.
func createDatabase(ctx context.Context, t *testing.T, raw *sqladmin.Service, instance, name string) {
	t.Helper()
	c := &client{svc: raw, project: "ha-test", region: "test"}
	if err := c.do(ctx, "create database "+name, func() (*sqladmin.Operation, error) {
		return raw.Databases.Insert("ha-test", instance, &sqladmin.Database{Name: name}).Context(ctx).Do()
	}); err != nil {
		t.Fatal(err)
	}
}

func apiCode(err error) (int, string) {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		reason := ""
		if len(ge.Errors) > 0 {
			reason = ge.Errors[0].Reason
		}
		return ge.Code, reason
	}
	return 0, ""
}

// TestLocalDatabaseReplicaPromoteBackupRestore runs the Cloud SQL backends,
// opened through the cloud-neutral registries as the provider opens them,
// against the local endpoint: a REGIONAL Postgres with backups and PITR, a
// cross-region replica, the refusals of deleting a protected instance and
// a master with replicas, promotion (the replica stops following its
// master), a backup plan with an on-demand backup stored in the copy
// region, a restore of the newest backup into a new instance in another
// region, and deletes.
func TestLocalDatabaseReplicaPromoteBackupRestore(t *testing.T) {
	s, raw, rec := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	dbs, err := database.Open(ctx, backend.GCP, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	primary, err := dbs.Apply(ctx, dbSpec("shop-east", "us-east1"), nil)
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	if primary.State != "RUNNABLE" || primary.URI != "ha-test:us-east1:shop-east" || primary.Endpoint == "" || primary.Port != 5432 {
		t.Fatalf("database status: %+v", primary)
	}
	if sp := primary.Spec; !sp.HighAvailability || sp.BackupRetention != 7 || sp.InstanceClass != "db-custom-2-7680" || sp.StorageGB != 20 || !sp.DeletionProtection || sp.EngineVersion != "16" {
		t.Fatalf("database read back: %+v", sp)
	}
	inst, err := raw.Instances.Get("ha-test", "shop-east").Do()
	if err != nil {
		t.Fatal(err)
	}
	bc := inst.Settings.BackupConfiguration
	if inst.Settings.AvailabilityType != "REGIONAL" || inst.SecondaryGceZone == "" || inst.SecondaryGceZone == inst.GceZone ||
		!bc.Enabled || !bc.PointInTimeRecoveryEnabled || bc.TransactionLogRetentionDays != 7 || bc.StartTime != "03:00" ||
		inst.Settings.MaintenanceWindow == nil || inst.Settings.MaintenanceWindow.Hour != 5 || inst.DatabaseVersion != "POSTGRES_16" {
		t.Fatalf("instance as Cloud SQL holds it: %+v settings %+v backups %+v", inst, inst.Settings, bc)
	}
	users, err := raw.Users.List("ha-test", "shop-east").Do()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users.Items {
		names = append(names, u.Name)
		if u.Password != "" {
			t.Errorf("user %s read back with a password", u.Name)
		}
	}
	if !has(names, "app") || !has(names, "postgres") {
		t.Errorf("users %v, want app and postgres", names)
	}
	again, err := dbs.Apply(ctx, dbSpec("shop-east", "us-east1"), primary)
	if err != nil || again.Spec.BackupRetention != 7 {
		t.Fatalf("re-apply of the same spec: %+v, %v", again, err)
	}
	createDatabase(ctx, t, raw, "shop-east", "orders")

	// A cross-region replica follows its master.
	reps, err := replica.Open(ctx, backend.GCP, s, "us-west1")
	if err != nil {
		t.Fatal(err)
	}
	rspec := replica.Spec{Meta: backend.Meta{Name: "shop-west", Location: "us-west1", Component: "west/db", Blueprint: "shop"},
		SourceLocation: "us-east1", SourceComponent: "east/db", Engine: "postgres", BackupRetention: 7, BackupWindow: "03:00-04:00"}
	rep, err := reps.Apply(ctx, rspec, nil)
	if err != nil {
		t.Fatalf("create replica: %v", err)
	}
	if rep.Role != replica.RoleReplica || rep.ReplicatingFrom != "shop-east" || rep.Spec.Location != "us-west1" || rep.State != "RUNNABLE" || rep.Spec.Promote {
		t.Fatalf("replica status: %+v", rep)
	}
	if got := databases(t, raw, "shop-west"); !has(got, "orders") {
		t.Errorf("replica databases %v: the replica starts as a copy of its master", got)
	}
	m, _ := raw.Instances.Get("ha-test", "shop-east").Do()
	if len(m.ReplicaNames) != 1 || m.ReplicaNames[0] != "shop-west" {
		t.Errorf("master replicaNames %v", m.ReplicaNames)
	}

	// Deletion protection and a master with replicas refuse deletes.
	_, err = raw.Instances.Delete("ha-test", "shop-east").Do()
	if code, reason := apiCode(err); code != 400 || reason != "deletionProtectionEnabled" {
		t.Errorf("delete of a protected instance: %v, want 400", err)
	}
	if err := dbs.Delete(ctx, primary); err == nil || !strings.Contains(err.Error(), "deletion protection") {
		t.Errorf("backend delete of a protected instance: %v", err)
	}
	unprotected := dbSpec("shop-east", "us-east1")
	unprotected.DeletionProtection = false
	if primary, err = dbs.Apply(ctx, unprotected, primary); err != nil || primary.Spec.DeletionProtection {
		t.Fatalf("turn deletion protection off: %+v, %v", primary, err)
	}
	_, err = raw.Instances.Delete("ha-test", "shop-east").Do()
	if code, reason := apiCode(err); code != 400 || reason != "errorReplicationMasterInvalidOperation" {
		t.Errorf("delete of a master with replicas: %v, want 400 errorReplicationMasterInvalidOperation", err)
	}
	// The backend waits (promotionWait) for the replicas to be promoted
	// rather than deleting a master that has them; here none is.
	wait := promotionWait
	promotionWait = 2 * time.Second
	err = dbs.Delete(ctx, primary)
	promotionWait = wait
	if err == nil {
		t.Error("the backend must not delete a master that still has replicas")
	}
	createDatabase(ctx, t, raw, "shop-east", "late")
	if got := databases(t, raw, "shop-west"); !has(got, "late") {
		t.Errorf("replica databases %v: a replica follows its master", got)
	}

	// A backup plan: daily start time, retention and location in the copy
	// region, and an on-demand backup taken now.
	plans, err := backupplan.Open(ctx, backend.GCP, s, "us-east1")
	if err != nil {
		t.Fatal(err)
	}
	pspec := backupplan.Spec{Meta: backend.Meta{Name: "shop-plan", Location: "us-east1", Component: "east/backup", Blueprint: "shop"},
		Schedule: "cron(30 3 * * ? *)", RetentionDays: 14, Database: "east/db", CopyToLocation: "us-central1",
		Resources: []string{primary.URI}, StartBackupNow: true, SnapshotTrigger: "1"}
	plan, err := plans.Apply(ctx, pspec, nil)
	if err != nil {
		t.Fatalf("backup plan: %v", err)
	}
	if plan.LatestSnapshotID == "" || !strings.HasPrefix(plan.LatestSnapshotID, "shop-east/") || plan.CopyVaultID != "us-central1" ||
		plan.Spec.RetentionDays != 14 || plan.Spec.Schedule != pspec.Schedule || plan.Spec.CopyToLocation != "us-central1" {
		t.Fatalf("backup plan status: %+v", plan)
	}
	inst, _ = raw.Instances.Get("ha-test", "shop-east").Do()
	if bc := inst.Settings.BackupConfiguration; bc.StartTime != "03:30" || bc.Location != "us-central1" || bc.BackupRetentionSettings.RetainedBackups != 14 || !bc.PointInTimeRecoveryEnabled {
		t.Errorf("backup configuration: %+v", bc)
	}
	runs, err := raw.BackupRuns.List("ha-test", "shop-east").Do()
	if err != nil || len(runs.Items) != 1 || runs.Items[0].Status != "SUCCESSFUL" || runs.Items[0].Location != "us-central1" || runs.Items[0].Type != "ON_DEMAND" {
		t.Fatalf("backup runs: %+v, %v", runs, err)
	}
	if _, err := reps.Apply(ctx, rspec, rep); err != nil {
		t.Fatalf("re-apply of the replica: %v", err)
	}
	_, err = raw.BackupRuns.Insert("ha-test", "shop-west", &sqladmin.BackupRun{}).Do()
	if code, _ := apiCode(err); code != 400 {
		t.Errorf("backup of a read replica: %v, want 400", err)
	}

	// Import: Read from the name and location alone.
	imp, err := dbs.Read(ctx, database.Spec{Meta: backend.Meta{Name: "shop-east", Location: "us-east1"}}, nil)
	if err != nil || !imp.Spec.HighAvailability || imp.Spec.Engine != "postgres" || imp.Spec.InstanceClass != "db-custom-2-7680" || imp.Spec.BackupRetention != 14 {
		t.Fatalf("import read: %+v, %v", imp, err)
	}
	impRep, err := reps.Read(ctx, replica.Spec{Meta: backend.Meta{Name: "shop-west", Location: "us-west1"}}, nil)
	if err != nil || impRep.Role != replica.RoleReplica || impRep.Spec.SourceID != "ha-test:us-east1:shop-east" {
		t.Fatalf("import read of the replica: %+v, %v", impRep, err)
	}

	// Promotion in the same apply, with the primary's region lost: the
	// replica becomes a standalone primary with its own backups, stops
	// following its old master, and no call goes to the lost instance.
	lost := &backend.Settings{GCP: s.GCP}
	lost.GCP.LostLocations = []string{"us-east1"}
	if _, err := database.Open(ctx, backend.GCP, lost, "us-east1"); !backend.IsUnreachable(err) {
		t.Errorf("opening the lost region: %v, want unreachable", err)
	}
	lostReps, err := replica.Open(ctx, backend.GCP, lost, "us-west1")
	if err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	mark := len(rec.bodies)
	rec.mu.Unlock()
	rspec.Promote = true
	promoted, err := lostReps.Apply(ctx, rspec, rep)
	if err != nil {
		t.Fatalf("promote: %v", err)
	}
	rec.mu.Lock()
	for _, b := range rec.bodies[mark:] {
		if strings.Contains(strings.Fields(b)[1], "/instances/shop-east") {
			t.Errorf("promotion called the lost region's instance: %s", strings.Fields(b)[1])
		}
	}
	rec.mu.Unlock()
	if promoted.Role != replica.RolePrimary || promoted.ReplicatingFrom != "" || !promoted.Spec.Promote {
		t.Fatalf("promoted status: %+v", promoted)
	}
	p, _ := raw.Instances.Get("ha-test", "shop-west").Do()
	if p.MasterInstanceName != "" || p.InstanceType != "CLOUD_SQL_INSTANCE" || !p.Settings.BackupConfiguration.Enabled || !p.Settings.BackupConfiguration.PointInTimeRecoveryEnabled {
		t.Errorf("promoted instance: master %q type %s backups %+v", p.MasterInstanceName, p.InstanceType, p.Settings.BackupConfiguration)
	}
	m, _ = raw.Instances.Get("ha-test", "shop-east").Do()
	if len(m.ReplicaNames) != 0 {
		t.Errorf("old master still lists replicas %v", m.ReplicaNames)
	}
	createDatabase(ctx, t, raw, "shop-east", "after")
	if got := databases(t, raw, "shop-west"); has(got, "after") || !has(got, "late") {
		t.Errorf("promoted databases %v: keeps what it had, no longer follows the old master", got)
	}
	_, err = raw.Instances.PromoteReplica("ha-test", "shop-west").Do()
	if code, _ := apiCode(err); code != 400 {
		t.Errorf("promote of a primary: %v, want 400", err)
	}

	// A rebuilt region's replica follows the promoted instance, found by
	// its component and location.
	euReps, err := replica.Open(ctx, backend.GCP, s, "europe-west1")
	if err != nil {
		t.Fatal(err)
	}
	follow, err := euReps.Apply(ctx, replica.Spec{Meta: backend.Meta{Name: "shop-eu-replica", Location: "europe-west1", Component: "eu/db", Blueprint: "shop"},
		SourceLocation: "us-west1", SourceComponent: "west/db"}, nil)
	if err != nil {
		t.Fatalf("rebuilt replica: %v", err)
	}
	if follow.ReplicatingFrom != "shop-west" || follow.Role != replica.RoleReplica {
		t.Fatalf("rebuilt replica follows %q (%s), want the promoted shop-west", follow.ReplicatingFrom, follow.Role)
	}
	if got := databases(t, raw, "shop-eu-replica"); !has(got, "late") || has(got, "after") {
		t.Errorf("rebuilt replica databases %v: a copy of the promoted instance", got)
	}
	// A replica promoted by hand shows in Read (so in plan).
	c := &client{svc: raw, project: "ha-test", region: "europe-west1"}
	if err := c.do(ctx, "promote by hand", func() (*sqladmin.Operation, error) {
		return raw.Instances.PromoteReplica("ha-test", "shop-eu-replica").Context(ctx).Do()
	}); err != nil {
		t.Fatal(err)
	}
	drift, err := euReps.Read(ctx, follow.Spec, follow)
	if err != nil || drift.Role != replica.RolePrimary || !drift.Spec.Promote || drift.ReplicatingFrom != "" {
		t.Errorf("hand promotion not shown: %+v, %v", drift, err)
	}
	if err := euReps.Delete(ctx, drift); err != nil {
		t.Fatalf("delete hand-promoted replica: %v", err)
	}

	// Restore the newest backup into a new instance in another region.
	euPlans, err := backupplan.Open(ctx, backend.GCP, s, "europe-west1")
	if err != nil {
		t.Fatal(err)
	}
	if other, err := euPlans.LatestRecoveryPoint(ctx, "other-shop", "east/db"); !backend.IsNotFound(err) {
		t.Errorf("recovery point for another blueprint's east/db: %+v, %v; want not found", other, err)
	}
	rp, err := euPlans.LatestRecoveryPoint(ctx, "shop", "east/db")
	if err != nil {
		t.Fatalf("latest recovery point: %v", err)
	}
	if rp.ID != plan.LatestSnapshotID || rp.Location != "us-central1" {
		t.Errorf("recovery point %+v, want the plan's backup %s stored in us-central1", rp, plan.LatestSnapshotID)
	}
	euDBs, err := database.Open(ctx, backend.GCP, s, "europe-west1")
	if err != nil {
		t.Fatal(err)
	}
	rspecEU := dbSpec("shop-eu", "europe-west1")
	rspecEU.DeletionProtection = false
	rspecEU.Component = "eu/db"
	rspecEU.RestoreFrom = rp.ID
	restored, err := euDBs.Apply(ctx, rspecEU, nil)
	if err != nil {
		t.Fatalf("restore into a new instance: %v", err)
	}
	if restored.RestoredFrom != rp.ID || restored.Spec.Location != "europe-west1" || restored.State != "RUNNABLE" {
		t.Errorf("restored status: %+v", restored)
	}
	if got := databases(t, raw, "shop-eu"); !has(got, "orders") || !has(got, "late") || has(got, "after") {
		t.Errorf("restored databases %v: the backup's data (orders, late), not what came later", got)
	}

	// Deletes: each goes, and a second delete is nil.
	if err := plans.Delete(ctx, plan); err != nil {
		t.Fatalf("delete plan: %v", err)
	}
	if runs, _ := raw.BackupRuns.List("ha-test", "shop-east").Do(); len(runs.Items) != 0 {
		t.Errorf("the plan's on-demand backups stay after its delete: %d", len(runs.Items))
	}
	for _, d := range []struct {
		b  database.Backend
		st *database.Status
	}{{dbs, primary}, {euDBs, restored}} {
		if err := d.b.Delete(ctx, d.st); err != nil {
			t.Fatalf("delete %s: %v", d.st.Spec.Name, err)
		}
		if err := d.b.Delete(ctx, d.st); err != nil {
			t.Errorf("second delete of %s: %v", d.st.Spec.Name, err)
		}
		if _, err := d.b.Read(ctx, d.st.Spec, d.st); !backend.IsNotFound(err) {
			t.Errorf("read after delete of %s: %v, want not found", d.st.Spec.Name, err)
		}
	}
	if err := reps.Delete(ctx, promoted); err != nil {
		t.Fatalf("delete promoted: %v", err)
	}
	if l, _ := raw.Instances.List("ha-test").Do(); len(l.Items) != 0 {
		t.Errorf("instances left: %d", len(l.Items))
	}

	// The master password goes only into the instance and user calls.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, b := range rec.bodies {
		instanceInsert := strings.HasPrefix(b, "POST ") && strings.HasSuffix(strings.Fields(b)[1], "/instances")
		if strings.Contains(b, "s3cret-never-logged") && !strings.Contains(b, "/users") && !instanceInsert {
			t.Errorf("password sent in %s", strings.Fields(b)[1])
		}
	}
}

// TestLocalMySQLBinaryLogAndReplica: on MySQL, point-in-time recovery is
// the binary log, which Cloud SQL requires for high availability and on a
// replica's primary; without backups the endpoint refuses both, as Cloud
// SQL does, and the backends' settings pass.
func TestLocalMySQLBinaryLogAndReplica(t *testing.T) {
	s, raw, _ := local(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dbs, err := database.Open(ctx, backend.GCP, s, "europe-west1")
	if err != nil {
		t.Fatal(err)
	}
	spec := dbSpec("my-eu", "europe-west1")
	spec.Engine, spec.EngineVersion, spec.DeletionProtection = "mysql", "8.0", false
	spec.BackupRetention = 0
	if _, err := dbs.Apply(ctx, spec, nil); err == nil || !strings.Contains(err.Error(), "binary logging") {
		t.Fatalf("MySQL high availability without backups: %v, want refused", err)
	}
	spec.BackupRetention = 3
	st, err := dbs.Apply(ctx, spec, nil)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if st.Port != 3306 || st.Spec.Engine != "mysql" || st.Spec.EngineVersion != "8.0" {
		t.Errorf("status: %+v", st)
	}
	inst, _ := raw.Instances.Get("ha-test", "my-eu").Do()
	if bc := inst.Settings.BackupConfiguration; !bc.BinaryLogEnabled || bc.PointInTimeRecoveryEnabled || bc.TransactionLogRetentionDays != 3 {
		t.Errorf("MySQL backups: %+v", bc)
	}
	reps, err := replica.Open(ctx, backend.GCP, s, "europe-west4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reps.Apply(ctx, replica.Spec{Meta: backend.Meta{Name: "my-eu4", Location: "europe-west4"}, SourceID: st.URI, Engine: "postgres"}, nil); !errors.Is(err, replica.ErrEngineMismatch) ||
		!strings.Contains(err.Error(), `"postgres" but the source runs "mysql"`) {
		t.Errorf("engine mismatch: %v", err)
	}
	if _, err := raw.Instances.Get("ha-test", "my-eu4").Do(); err == nil {
		t.Error("a refused replica must not be created")
	}
	rep, err := reps.Apply(ctx, replica.Spec{Meta: backend.Meta{Name: "my-eu4", Location: "europe-west4"}, SourceID: st.URI, Engine: "mysql"}, nil)
	if err != nil || rep.Role != replica.RoleReplica || rep.Port != 3306 || rep.ReplicatingFrom != "my-eu" {
		t.Fatalf("replica: %+v, %v", rep, err)
	}
	if err := reps.Delete(ctx, rep); err != nil {
		t.Fatal(err)
	}
	if err := dbs.Delete(ctx, st); err != nil {
		t.Fatal(err)
	}
}
