package gcplocal

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/api/option"
	sqlv1 "google.golang.org/api/sqladmin/v1"
)

const sqlv = "/sql/v1beta4/projects/p"

func errReason(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	errs, _ := e["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	r, _ := errs[0].(map[string]any)["reason"].(string)
	return r
}

// pollOp polls a Cloud SQL operation until DONE and returns the statuses seen.
func pollOp(t *testing.T, url, prefix string, op map[string]any) []string {
	t.Helper()
	seen := []string{op["status"].(string)}
	for i := 0; i < 10 && seen[len(seen)-1] != "DONE"; i++ {
		code, o := call(t, url, "GET", prefix+"/operations/"+op["name"].(string), "")
		if code != 200 {
			t.Fatalf("operation get: %d %v", code, o)
		}
		seen = append(seen, o["status"].(string))
		if e, ok := o["error"]; ok && o["status"] == "DONE" {
			t.Fatalf("operation failed: %v", e)
		}
	}
	return seen
}

func TestSQLInstanceLifecycle(t *testing.T) {
	s, url := start(t)
	pg := `{"name":"db1","region":"us-east1","databaseVersion":"POSTGRES_16","rootPassword":"pw","settings":{"tier":"db-custom-2-7680","availabilityType":"REGIONAL","backupConfiguration":{"enabled":true,"pointInTimeRecoveryEnabled":true,"startTime":"03:00","transactionLogRetentionDays":7}}}`
	code, op := call(t, url, "POST", sqlv+"/instances", pg)
	if code != 200 || op["kind"] != "sql#operation" || op["operationType"] != "CREATE" || op["status"] != "PENDING" {
		t.Fatalf("insert: %d %v", code, op)
	}
	_, inst := call(t, url, "GET", sqlv+"/instances/db1", "")
	if inst["state"] != "PENDING_CREATE" {
		t.Errorf("state while creating: %v", inst["state"])
	}
	if _, ok := inst["rootPassword"]; ok {
		t.Error("the root password is write-only")
	}
	if code, b := call(t, url, "POST", sqlv+"/instances", pg); code != 409 || errReason(b) != "instanceAlreadyExists" {
		t.Errorf("same name again: %d %v", code, b)
	}
	if code, b := call(t, url, "PATCH", sqlv+"/instances/db1", `{"settings":{"tier":"db-custom-4-15360"}}`); code != 409 || errReason(b) != "operationInProgress" {
		t.Errorf("patch while creating: %d %v", code, b)
	}
	// The read and the refused patch each let time pass: the create (three
	// steps) is done at the first poll.
	seen := pollOp(t, url, sqlv, op)
	if strings.Join(seen, ">") != "PENDING>DONE" {
		t.Errorf("operation statuses %v", seen)
	}
	_, inst = call(t, url, "GET", sqlv+"/instances/db1", "")
	if inst["state"] != "RUNNABLE" || inst["connectionName"] != "p:us-east1:db1" || inst["secondaryGceZone"] == nil ||
		!strings.HasPrefix(inst["selfLink"].(string), "https://sqladmin.googleapis.com/sql/v1beta4/") {
		t.Errorf("instance after create: %v", inst)
	}
	// The v1 API serves the same instance with its own links.
	_, v1 := call(t, url, "GET", "/v1/projects/p/instances/db1", "")
	if v1["name"] != "db1" || !strings.HasPrefix(v1["selfLink"].(string), "https://sqladmin.googleapis.com/v1/") {
		t.Errorf("v1 get: %v", v1)
	}

	bad := []struct{ name, method, path, body, reason string }{
		{"other cloud's size", "POST", "/instances", `{"name":"x","region":"us-east1","databaseVersion":"POSTGRES_16","settings":{"tier":"db.t3.micro"}}`, "invalid"},
		{"PITR without backups", "POST", "/instances", `{"name":"x","region":"us-east1","databaseVersion":"POSTGRES_16","settings":{"tier":"db-f1-micro","backupConfiguration":{"enabled":false,"pointInTimeRecoveryEnabled":true}}}`, "invalid"},
		{"MySQL HA without binary log", "POST", "/instances", `{"name":"x","region":"us-east1","databaseVersion":"MYSQL_8_0","settings":{"tier":"db-f1-micro","availabilityType":"REGIONAL"}}`, "invalid"},
		{"unknown region", "POST", "/instances", `{"name":"x","region":"mars-north1","databaseVersion":"POSTGRES_16","settings":{"tier":"db-f1-micro"}}`, "invalid"},
		{"missing master", "POST", "/instances", `{"name":"x","region":"us-west1","masterInstanceName":"nope","settings":{"tier":"db-f1-micro"}}`, "invalid"},
		{"replica with backups", "POST", "/instances", `{"name":"x","region":"us-west1","masterInstanceName":"db1","settings":{"backupConfiguration":{"enabled":true}}}`, "invalid"},
		{"promote a primary", "POST", "/instances/db1/promoteReplica", ``, "instanceNotReplica"},
		{"stale settings version", "PATCH", "/instances/db1", `{"settings":{"settingsVersion":"999"}}`, "staleData"},
		{"missing instance", "GET", "/instances/nope", ``, "instanceDoesNotExist"},
	}
	for _, c := range bad {
		code, b := call(t, url, c.method, sqlv+c.path, c.body)
		if code < 400 || code >= 500 || errReason(b) != c.reason {
			t.Errorf("%s: %d %v, want reason %s", c.name, code, b, c.reason)
		}
	}

	// A cross-region replica reports its master; the master lists it and
	// cannot be deleted while it has it; promotion detaches it.
	code, op = call(t, url, "POST", sqlv+"/instances", `{"name":"db1-west","region":"us-west1","masterInstanceName":"db1","settings":{}}`)
	if code != 200 || op["operationType"] != "CREATE_REPLICA" {
		t.Fatalf("replica insert: %d %v", code, op)
	}
	pollOp(t, url, sqlv, op)
	_, r := call(t, url, "GET", sqlv+"/instances/db1-west", "")
	_, m := call(t, url, "GET", sqlv+"/instances/db1", "")
	if r["masterInstanceName"] != "db1" || r["instanceType"] != "READ_REPLICA_INSTANCE" || r["databaseVersion"] != "POSTGRES_16" {
		t.Errorf("replica: %v", r)
	}
	if names, _ := m["replicaNames"].([]any); len(names) != 1 || names[0] != "db1-west" {
		t.Errorf("master replicaNames: %v", m["replicaNames"])
	}
	if code, b := call(t, url, "DELETE", sqlv+"/instances/db1", ""); code != 400 || errReason(b) != "errorReplicationMasterInvalidOperation" {
		t.Errorf("delete of a master with replicas: %d %v", code, b)
	}
	_, op = call(t, url, "POST", sqlv+"/instances/db1-west/promoteReplica", "")
	if op["operationType"] != "PROMOTE_REPLICA" {
		t.Fatalf("promote: %v", op)
	}
	_, r = call(t, url, "GET", sqlv+"/instances/db1-west", "")
	if r["masterInstanceName"] != "db1" {
		t.Error("a replica reports its master until the promotion is done")
	}
	pollOp(t, url, sqlv, op)
	_, r = call(t, url, "GET", sqlv+"/instances/db1-west", "")
	_, m = call(t, url, "GET", sqlv+"/instances/db1", "")
	if r["masterInstanceName"] != nil || r["instanceType"] != "CLOUD_SQL_INSTANCE" || m["replicaNames"] != nil {
		t.Errorf("after promotion: replica %v, master replicaNames %v", r["masterInstanceName"], m["replicaNames"])
	}

	// Backup runs and a restore into another instance.
	_, op = call(t, url, "POST", sqlv+"/instances/db1/backupRuns", `{"description":"now","location":"us-central1"}`)
	if op["operationType"] != "BACKUP_VOLUME" {
		t.Fatalf("backup: %v", op)
	}
	pollOp(t, url, sqlv, op)
	_, runs := call(t, url, "GET", sqlv+"/instances/db1/backupRuns", "")
	items, _ := runs["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["status"] != "SUCCESSFUL" || items[0].(map[string]any)["location"] != "us-central1" {
		t.Fatalf("backup runs: %v", runs)
	}
	id := items[0].(map[string]any)["id"].(string)
	if code, _ := call(t, url, "GET", sqlv+"/instances/db1/backupRuns/"+id, ""); code != 200 {
		t.Errorf("backup run get: %d", code)
	}
	_, op = call(t, url, "POST", sqlv+"/instances", `{"name":"db2","region":"europe-west1","databaseVersion":"POSTGRES_16","settings":{"tier":"db-custom-2-7680"}}`)
	pollOp(t, url, sqlv, op)
	code, op = call(t, url, "POST", sqlv+"/instances/db2/restoreBackup", `{"restoreBackupContext":{"backupRunId":"`+id+`","instanceId":"db1","project":"p"}}`)
	if code != 200 || op["operationType"] != "RESTORE_VOLUME" {
		t.Fatalf("restore: %d %v", code, op)
	}
	pollOp(t, url, sqlv, op)
	if code, b := call(t, url, "POST", sqlv+"/instances/db2/restoreBackup", `{"restoreBackupContext":{"backupRunId":"1","instanceId":"db1","project":"p"}}`); code != 404 || errReason(b) != "backupRunDoesNotExist" {
		t.Errorf("restore of a missing backup: %d %v", code, b)
	}

	// Deletion protection refuses delete until it is turned off.
	_, op = call(t, url, "PATCH", sqlv+"/instances/db2", `{"settings":{"deletionProtectionEnabled":true}}`)
	pollOp(t, url, sqlv, op)
	if code, b := call(t, url, "DELETE", sqlv+"/instances/db2", ""); code != 400 || errReason(b) != "deletionProtectionEnabled" {
		t.Errorf("delete of a protected instance: %d %v", code, b)
	}
	_, op = call(t, url, "PATCH", sqlv+"/instances/db2", `{"settings":{"deletionProtectionEnabled":false}}`)
	pollOp(t, url, sqlv, op)
	for _, n := range []string{"db2", "db1-west", "db1"} {
		code, op := call(t, url, "DELETE", sqlv+"/instances/"+n, "")
		if code != 200 || op["operationType"] != "DELETE" {
			t.Fatalf("delete %s: %d %v", n, code, op)
		}
		pollOp(t, url, sqlv, op)
	}
	if _, l := call(t, url, "GET", sqlv+"/instances", ""); len(l["items"].([]any)) != 0 {
		t.Errorf("instances left: %v", l)
	}
	if _, l := call(t, url, "GET", sqlv+"/operations?instance=db1", ""); len(l["items"].([]any)) < 3 {
		t.Errorf("operations of db1: %v", l)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

// TestSQLContractViolations: requests outside the sqladmin discovery
// documents are rejected (400, recorded) on both API paths.
func TestSQLContractViolations(t *testing.T) {
	s, url := start(t)
	cases := []struct{ name, method, path, body, want string }{
		{"unknown field", "POST", "/sql/v1beta4/projects/p/instances", `{"name":"x","settings":{"tier":"db-f1-micro","bogus":true}}`, `unknown field "bogus"`},
		{"bad enum", "POST", "/sql/v1beta4/projects/p/instances", `{"name":"x","databaseVersion":"ORACLE_19"}`, "is not one of"},
		{"int64 as number", "PATCH", "/sql/v1beta4/projects/p/instances/x", `{"settings":{"dataDiskSizeGb":20}}`, "int64 must be a JSON string"},
		{"v1 wrong type", "POST", "/v1/projects/p/instances", `{"name":"x","settings":{"deletionProtectionEnabled":"yes"}}`, "expected a boolean"},
		{"undocumented method", "POST", "/sql/v1beta4/projects/p/instances/x/explode", ``, "matches no documented method"},
		{"undocumented query", "GET", "/sql/v1beta4/projects/p/instances?colour=red", ``, `query parameter "colour" is not documented`},
	}
	for _, c := range cases {
		before := len(s.Errors())
		code, body := call(t, url, c.method, c.path, c.body)
		e, _ := body["error"].(map[string]any)
		if msg, _ := e["message"].(string); code != 400 || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %d %v, want 400 saying %q", c.name, code, e, c.want)
		}
		if len(s.Errors()) != before+1 {
			t.Errorf("%s: not recorded as a violation", c.name)
		}
	}
}

func TestDNSChanges(t *testing.T) {
	s, url := start(t)
	z := "/dns/v1/projects/p/managedZones"
	if code, _ := call(t, url, "POST", z, `{"name":"z","dnsName":"example.com.","description":"d"}`); code != 200 {
		t.Fatalf("zone create: %d", code)
	}
	if code, e := call(t, url, "POST", "/compute/v1/projects/p/global/healthChecks", `{"name":"hc","type":"HTTP","httpHealthCheck":{"port":80}}`); code != 200 {
		t.Fatalf("health check: %d %v", code, e)
	}
	pb := `{"name":"www.example.com.","type":"A","ttl":60,"routingPolicy":{"healthCheck":"https://www.googleapis.com/compute/v1/projects/p/global/healthChecks/hc","primaryBackup":{"primaryTargets":{"externalEndpoints":["192.0.2.1"]},"backupGeoTargets":{"items":[{"location":"us-west1","healthCheckedTargets":{"externalEndpoints":["192.0.2.2"]}}]}}}}`
	code, ch := call(t, url, "POST", z+"/z/changes", `{"additions":[`+pb+`]}`)
	if code != 200 || ch["status"] != "pending" || ch["kind"] != "dns#change" {
		t.Fatalf("change create: %d %v", code, ch)
	}
	_, got := call(t, url, "GET", z+"/z/changes/"+ch["id"].(string), "")
	if got["status"] != "done" {
		t.Errorf("change status after a poll: %v", got["status"])
	}
	_, rr := call(t, url, "GET", z+"/z/rrsets/www.example.com./A", "")
	if rr["routingPolicy"] == nil {
		t.Fatalf("record set after the change: %v", rr)
	}
	wrr := `{"name":"www.example.com.","type":"A","ttl":60,"routingPolicy":{"healthCheck":"projects/p/global/healthChecks/hc","wrr":{"items":[{"weight":1,"healthCheckedTargets":{"externalEndpoints":["192.0.2.1"]}},{"weight":3,"healthCheckedTargets":{"externalEndpoints":["192.0.2.2"]}}]}}}`
	bad := []struct{ name, body string }{
		{"addition of an existing set", `{"additions":[` + wrr + `]}`},
		{"deletion that does not match", `{"deletions":[{"name":"www.example.com.","type":"A","ttl":300,"rrdatas":["192.0.2.9"]}],"additions":[` + wrr + `]}`},
		{"deletion of a missing set", `{"deletions":[{"name":"api.example.com.","type":"A","ttl":60,"rrdatas":["192.0.2.9"]}]}`},
		{"endpoints without a health check", `{"additions":[{"name":"a.example.com.","type":"A","ttl":60,"routingPolicy":{"wrr":{"items":[{"weight":1,"healthCheckedTargets":{"externalEndpoints":["192.0.2.1"]}}]}}}]}`},
		{"missing health check", `{"additions":[{"name":"a.example.com.","type":"A","ttl":60,"routingPolicy":{"healthCheck":"projects/p/global/healthChecks/nope","wrr":{"items":[{"weight":1,"healthCheckedTargets":{"externalEndpoints":["192.0.2.1"]}}]}}}]}`},
		{"primary-backup without backups", `{"additions":[{"name":"b.example.com.","type":"A","ttl":60,"routingPolicy":{"healthCheck":"projects/p/global/healthChecks/hc","primaryBackup":{"primaryTargets":{"externalEndpoints":["192.0.2.1"]}}}}]}`},
		{"IPv6 endpoint in an A set", `{"additions":[{"name":"c.example.com.","type":"A","ttl":60,"routingPolicy":{"healthCheck":"projects/p/global/healthChecks/hc","wrr":{"items":[{"weight":1,"healthCheckedTargets":{"externalEndpoints":["2001:db8::1"]}}]}}}]}`},
		{"name outside the zone", `{"additions":[{"name":"www.other.org.","type":"A","ttl":60,"rrdatas":["192.0.2.1"]}]}`},
	}
	for _, c := range bad {
		if code, b := call(t, url, "POST", z+"/z/changes", c.body); code < 400 || code >= 500 {
			t.Errorf("%s: %d %v, want refused", c.name, code, b)
		}
	}
	// Deletion of the current set and addition of the weighted one, in one change.
	code, ch = call(t, url, "POST", z+"/z/changes", `{"deletions":[`+pb+`],"additions":[`+wrr+`]}`)
	if code != 200 {
		t.Fatalf("replace change: %d %v", code, ch)
	}
	_, rr = call(t, url, "GET", z+"/z/rrsets/www.example.com./A", "")
	if pol, _ := rr["routingPolicy"].(map[string]any); pol["wrr"] == nil || pol["primaryBackup"] != nil {
		t.Errorf("after the replace: %v", rr)
	}
	_, l := call(t, url, "GET", z+"/z/changes", "")
	if cs, _ := l["changes"].([]any); len(cs) != 2 || cs[1].(map[string]any)["status"] != "done" {
		t.Errorf("changes list: %v", l)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

// TestSQLDeletedNameReserved: with ReserveDeletedSQLNames, a deleted
// instance's name cannot be used again (Cloud SQL keeps it for a week).
func TestSQLDeletedNameReserved(t *testing.T) {
	s, url := start(t)
	s.ReserveDeletedSQLNames = true
	body := `{"name":"gone","region":"us-east1","databaseVersion":"POSTGRES_16","settings":{"tier":"db-f1-micro"}}`
	_, op := call(t, url, "POST", sqlv+"/instances", body)
	pollOp(t, url, sqlv, op)
	_, op = call(t, url, "DELETE", sqlv+"/instances/gone", "")
	pollOp(t, url, sqlv, op)
	if code, b := call(t, url, "POST", sqlv+"/instances", body); code != 409 || !strings.Contains(b["error"].(map[string]any)["message"].(string), "one week") {
		t.Errorf("reuse of a deleted name: %d %v", code, b)
	}
}

// TestSQLGoClientV1: the sqladmin v1 Go client (paths under /v1/) creates
// and reads through the same model, without violations.
func TestSQLGoClientV1(t *testing.T) {
	s, url := start(t)
	ctx := context.Background()
	c, err := sqlv1.NewService(ctx, option.WithEndpoint(url+"/"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	op, err := c.Instances.Insert("p", &sqlv1.DatabaseInstance{Name: "v1db", Region: "europe-west1", DatabaseVersion: "POSTGRES_15",
		Settings: &sqlv1.Settings{Tier: "db-custom-1-3840", AvailabilityType: "REGIONAL"}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	polls := 0
	for op.Status != "DONE" && polls < 10 {
		polls++
		if op, err = c.Operations.Get("p", op.Name).Do(); err != nil {
			t.Fatal(err)
		}
	}
	if polls < 2 || !strings.HasPrefix(op.SelfLink, "https://sqladmin.googleapis.com/v1/") {
		t.Errorf("operation done after %d polls, self link %s", polls, op.SelfLink)
	}
	inst, err := c.Instances.Get("p", "v1db").Do()
	if err != nil || inst.State != "RUNNABLE" || inst.SecondaryGceZone == "" || inst.Settings.SettingsVersion != 1 {
		t.Fatalf("v1 instance: %+v, %v", inst, err)
	}
	if errs := s.Errors(); len(errs) > 0 {
		t.Errorf("violations: %+v", errs)
	}
}

// TestSQLSwitchover: an Enterprise Plus DR switchover swaps the roles of a
// replica and its primary (and back); it is refused on a primary and on an
// Enterprise edition replica.
func TestSQLSwitchover(t *testing.T) {
	_, url := start(t)
	create := func(body string) {
		t.Helper()
		code, op := call(t, url, "POST", sqlv+"/instances", body)
		if code != 200 {
			t.Fatalf("insert %s: %d %v", body, code, op)
		}
		pollOp(t, url, sqlv, op)
	}
	create(`{"name":"west","region":"us-west1","databaseVersion":"MYSQL_8_4","settings":{"tier":"db-c4a-highmem-2","edition":"ENTERPRISE_PLUS","availabilityType":"REGIONAL"}}`)
	create(`{"name":"east","region":"us-east1","masterInstanceName":"west","settings":{"edition":"ENTERPRISE_PLUS"}}`)
	if code, b := call(t, url, "POST", sqlv+"/instances/west/switchover", ""); code != 400 || errReason(b) != "instanceNotReplica" {
		t.Errorf("switchover of a primary: %d %v", code, b)
	}
	code, op := call(t, url, "POST", sqlv+"/instances/east/switchover", "")
	if code != 200 || op["operationType"] != "SWITCHOVER" {
		t.Fatalf("switchover: %d %v", code, op)
	}
	pollOp(t, url, sqlv, op)
	_, east := call(t, url, "GET", sqlv+"/instances/east", "")
	_, west := call(t, url, "GET", sqlv+"/instances/west", "")
	if east["instanceType"] != "CLOUD_SQL_INSTANCE" || east["masterInstanceName"] != nil || !strings.Contains(fmt.Sprint(east["replicaNames"]), "west") {
		t.Errorf("new primary: %v %v %v", east["instanceType"], east["masterInstanceName"], east["replicaNames"])
	}
	if west["instanceType"] != "READ_REPLICA_INSTANCE" || west["masterInstanceName"] != "p:east" || west["replicaNames"] != nil {
		t.Errorf("old primary: %v %v %v", west["instanceType"], west["masterInstanceName"], west["replicaNames"])
	}
	if code, op = call(t, url, "POST", sqlv+"/instances/west/switchover", ""); code != 200 {
		t.Fatalf("switchover back: %d %v", code, op)
	}
	pollOp(t, url, sqlv, op)
	if _, west = call(t, url, "GET", sqlv+"/instances/west", ""); west["instanceType"] != "CLOUD_SQL_INSTANCE" {
		t.Errorf("after switching back: %v", west["instanceType"])
	}
	create(`{"name":"a","region":"us-west1","databaseVersion":"MYSQL_8_0","settings":{"tier":"db-custom-2-7680","backupConfiguration":{"enabled":true,"binaryLogEnabled":true}}}`)
	create(`{"name":"b","region":"us-east1","masterInstanceName":"a"}`)
	if code, b := call(t, url, "POST", sqlv+"/instances/b/switchover", ""); code != 400 || !strings.Contains(fmt.Sprint(b), "Enterprise Plus") {
		t.Errorf("switchover on Enterprise edition: %d %v", code, b)
	}
}

// An update of the master that finishes after one of its replicas was
// deleted leaves the replica out of replicaNames (it used to bring it
// back, and the master could then never be deleted).
func TestSQLUpdateDoesNotResurrectReplicaNames(t *testing.T) {
	_, url := start(t)
	_, op := call(t, url, "POST", sqlv+"/instances", `{"name":"db1","region":"us-east1","databaseVersion":"POSTGRES_16","rootPassword":"pw","settings":{"tier":"db-custom-2-7680"}}`)
	pollOp(t, url, sqlv, op)
	_, op = call(t, url, "POST", sqlv+"/instances", `{"name":"db1-west","region":"us-west1","masterInstanceName":"p:db1","settings":{}}`)
	pollOp(t, url, sqlv, op)
	code, patch := call(t, url, "PATCH", sqlv+"/instances/db1", `{"settings":{"userLabels":{"a":"b"}}}`)
	if code != 200 {
		t.Fatalf("patch: %d %v", code, patch)
	}
	_, del := call(t, url, "DELETE", sqlv+"/instances/db1-west", "")
	pollOp(t, url, sqlv, del)
	pollOp(t, url, sqlv, patch)
	_, m := call(t, url, "GET", sqlv+"/instances/db1", "")
	if m["replicaNames"] != nil || mapAt(m, "settings")["userLabels"] == nil {
		t.Errorf("master after the update: replicaNames %v, labels %v", m["replicaNames"], mapAt(m, "settings")["userLabels"])
	}
	if code, b := call(t, url, "DELETE", sqlv+"/instances/db1", ""); code != 200 {
		t.Errorf("delete of the master: %d %v", code, b)
	}
}

// An operation nobody polls (its caller was killed) still finishes: each
// refused retry lets time pass for the instance, as with Cloud SQL.
func TestSQLOrphanedOperationFinishes(t *testing.T) {
	_, url := start(t)
	_, op := call(t, url, "POST", sqlv+"/instances", `{"name":"db1","region":"us-east1","databaseVersion":"POSTGRES_16","rootPassword":"pw","settings":{"tier":"db-custom-2-7680"}}`)
	pollOp(t, url, sqlv, op)
	if code, _ := call(t, url, "PATCH", sqlv+"/instances/db1", `{"settings":{"userLabels":{"a":"b"}}}`); code != 200 {
		t.Fatal("patch refused")
	}
	// The patch's operation is never polled; a later patch is retried.
	code := 0
	for i := 0; i < 10 && code != 200; i++ {
		code, _ = call(t, url, "PATCH", sqlv+"/instances/db1", `{"settings":{"userLabels":{"c":"d"}}}`)
	}
	if code != 200 {
		t.Errorf("the instance stayed busy with an operation nobody polls: %d", code)
	}
}
