package gcplocal

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Cloud SQL Admin (v1beta4 under /sql/v1beta4/, v1 under /v1/): instances,
// read replicas, promotion, backup runs, restores, users, databases and
// the operations that carry every change. See README.md for what is
// modelled and why.

const sqlHost = "https://sqladmin.googleapis.com/"

// sqlOp is one Cloud SQL operation. It is PENDING when created, RUNNING
// at the first poll and DONE at the need-th; its change is applied when
// it turns DONE (done may fail it). locks are the instance keys it keeps
// busy until then.
type sqlOp struct {
	key   string
	body  map[string]any
	polls int
	need  int
	locks []string
	seq   uint64
	done  func() *apiError
}

func (o *sqlOp) finished() bool { return o.body["status"] == "DONE" }

func (o *sqlOp) poll() {
	if o.finished() {
		return
	}
	o.polls++
	if o.polls == 1 {
		o.body["status"] = "RUNNING"
		o.body["startTime"] = now()
	}
	if o.polls >= o.need {
		o.body["status"] = "DONE"
		o.body["endTime"] = now()
		if o.done != nil {
			if e := o.done(); e != nil {
				o.body["error"] = map[string]any{"kind": "sql#operationErrors", "errors": []any{
					map[string]any{"kind": "sql#operationError", "code": e.Reason, "message": e.Message}}}
			}
		}
	}
}

// sqlBase is the service root of the request's API version, for links.
func sqlBase(q *request) string {
	if strings.HasPrefix(q.r.URL.Path, "/v1/") {
		return sqlHost + "v1/"
	}
	return sqlHost + "sql/v1beta4/"
}

func instanceKey(project, name string) string { return "projects/" + project + "/instances/" + name }

func sqlNotFound() *apiError {
	return errf(404, "instanceDoesNotExist", "The Cloud SQL instance does not exist.")
}

func (s *Server) busy(key string) bool {
	for _, o := range s.sqlOps {
		if !o.finished() && contains(o.locks, key) {
			return true
		}
	}
	return false
}

// refusedBusy reports whether key is held by an unfinished operation; the
// refused request lets time pass for it as a read does (advance), so a
// client that only retries the refused call, and never polls the operation
// a killed run left behind, sees it finish, as with Cloud SQL.
func (s *Server) refusedBusy(key string) bool {
	if !s.busy(key) {
		return false
	}
	s.advance(key)
	return true
}

// advance moves every unfinished operation holding key one step: reading
// an instance also lets time pass for it, so a client that polls only the
// instance sees it become RUNNABLE.
func (s *Server) advance(key string) {
	ops := make([]*sqlOp, 0)
	for _, o := range s.sqlOps {
		if !o.finished() && contains(o.locks, key) {
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].seq < ops[j].seq })
	for _, o := range ops {
		o.poll()
	}
}

func (s *Server) newSQLOp(q *request, opType, targetName string, need int, locks []string, done func() *apiError) map[string]any {
	project := q.vars["project"]
	s.seq++
	n := s.seq
	name := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", n*2654435761&0xffffffff, n&0xffff, 0x4000|(n>>3)&0x0fff, 0x8000|n&0x3fff, n*40503)
	key := "projects/" + project + "/operations/" + name
	op := map[string]any{
		"kind": "sql#operation", "name": name, "operationType": opType, "status": "PENDING",
		"insertTime": now(), "targetId": targetName, "targetProject": project,
		"targetLink": sqlHost + "sql/v1beta4/" + instanceKey(project, targetName),
		"user":       "local@" + project + ".iam.gserviceaccount.com",
	}
	o := &sqlOp{key: key, body: op, need: need, locks: locks, seq: n, done: done}
	s.sqlOps[key] = o
	if need == 0 {
		// User changes are done when answered (recordings).
		o.need = 1
		o.poll()
	}
	return s.renderOp(q, o)
}

func (s *Server) renderOp(q *request, o *sqlOp) map[string]any {
	b := copyObj(o.body)
	base := sqlBase(q)
	b["selfLink"] = base + o.key
	b["targetLink"] = base + instanceKey(str(b["targetProject"]), str(b["targetId"]))
	return b
}

func (s *Server) renderInstance(q *request, o *object) map[string]any {
	b := copyObj(o.body)
	b["selfLink"] = sqlBase(q) + o.key
	return b
}

var (
	tierRE   = regexp.MustCompile(`^db-(f1-micro|g1-small|custom-\d+-\d+|n1-(standard|highmem)-\d+|perf-optimized-N-\d+|[a-z0-9]+-(standard|highmem|highcpu)-\d+)$`)
	backupAt = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
)

func engine(version string) string { return strings.SplitN(version, "_", 2)[0] }

func mapAt(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		n, _ := m[p].(map[string]any)
		if n == nil {
			return map[string]any{}
		}
		m = n
	}
	return m
}

func boolAt(m map[string]any, k string) bool { b, _ := m[k].(bool); return b }

func intOf(v any) int64 {
	switch t := v.(type) {
	case float64:
		return int64(t)
	case int:
		return int64(t)
	case int64:
		return t
	case string:
		n, _ := strconv.ParseInt(t, 10, 64)
		return n
	}
	return 0
}

func invalid(format string, a ...any) *apiError {
	return errf(400, "invalid", "Invalid request: "+format, a...)
}

func knownBackupLocation(l string) bool {
	if _, ok := Regions[l]; ok {
		return true
	}
	return l == "us" || l == "eu" || l == "asia"
}

// checkInstance applies Cloud SQL's rules to an instance as it would be
// after the request (inst is the merged body; master nil for a primary).
func checkInstance(inst map[string]any, master map[string]any) *apiError {
	region := str(inst["region"])
	if _, ok := Regions[region]; !ok {
		return invalid("region (%s) is not valid.", region)
	}
	st := mapAt(inst, "settings")
	tier := str(st["tier"])
	if tier == "" {
		return invalid("Tier is required.")
	}
	if !tierRE.MatchString(tier) {
		return invalid("Invalid Tier (%s) for (SECOND_GEN) Edition. Use the Tiers.list method to see valid tiers.", tier)
	}
	if z := str(mapAt(st, "locationPreference")["zone"]); z != "" && zoneRegion(z) != region {
		return invalid("zone (%s) is not in region (%s).", z, region)
	}
	if d := intOf(st["dataDiskSizeGb"]); d != 0 && d < 10 {
		return invalid("Disk size (%d GB) is below the minimum of 10 GB.", d)
	}
	eng := engine(str(inst["databaseVersion"]))
	bc := mapAt(st, "backupConfiguration")
	enabled := boolAt(bc, "enabled")
	if boolAt(bc, "binaryLogEnabled") && eng != "MYSQL" {
		return invalid("Binary logging is only available for MySQL instances.")
	}
	if boolAt(bc, "pointInTimeRecoveryEnabled") && eng == "MYSQL" {
		return invalid("For MySQL, point-in-time recovery is enabled with binaryLogEnabled.")
	}
	if (boolAt(bc, "binaryLogEnabled") || boolAt(bc, "pointInTimeRecoveryEnabled")) && !enabled {
		return invalid("Point-in-time recovery requires automated backups to be enabled.")
	}
	if s := str(bc["startTime"]); s != "" && !backupAt.MatchString(s) {
		return invalid("backup start time (%s) is not HH:MM.", s)
	}
	if l := str(bc["location"]); l != "" && !knownBackupLocation(l) {
		return invalid("backup location (%s) is not a region or multi-region.", l)
	}
	if d := intOf(bc["transactionLogRetentionDays"]); d != 0 {
		limit := int64(7)
		if str(st["edition"]) == "ENTERPRISE_PLUS" {
			limit = 35
		}
		if d < 1 || d > limit {
			return invalid("transactionLogRetentionDays (%d) must be between 1 and %d.", d, limit)
		}
	}
	if r := intOf(mapAt(bc, "backupRetentionSettings")["retainedBackups"]); r != 0 && (r < 1 || r > 365) {
		return invalid("retainedBackups (%d) must be between 1 and 365.", r)
	}
	if master == nil && str(st["availabilityType"]) == "REGIONAL" && eng == "MYSQL" && (!enabled || !boolAt(bc, "binaryLogEnabled")) {
		return invalid("High availability on MySQL requires automated backups and binary logging.")
	}
	if master != nil {
		if enabled {
			return invalid("Automated backups are not supported for read replicas.")
		}
		if str(inst["databaseVersion"]) != str(master["databaseVersion"]) {
			return invalid("The replica's database version (%s) must match the primary's (%s).", inst["databaseVersion"], master["databaseVersion"])
		}
		mbc := mapAt(master, "settings", "backupConfiguration")
		if eng == "MYSQL" && (!boolAt(mbc, "enabled") || !boolAt(mbc, "binaryLogEnabled")) {
			return invalid("The primary must have automated backups and binary logging enabled to create a read replica.")
		}
	}
	return nil
}

// instanceDefaults fills what Cloud SQL fills on create (the fields a
// real instance carries, see ../shared/gcp-recordings).
func (s *Server) instanceDefaults(project string, b map[string]any) {
	name, region := str(b["name"]), str(b["region"])
	if str(b["databaseVersion"]) == "" {
		b["databaseVersion"] = "MYSQL_8_0"
	}
	v := str(b["databaseVersion"])
	delete(b, "rootPassword")
	b["kind"], b["project"], b["backendType"] = "sql#instance", project, "SECOND_GEN"
	b["connectionName"] = project + ":" + region + ":" + name
	b["createTime"] = now()
	b["databaseInstalledVersion"] = v + "_0"
	b["maintenanceVersion"] = v + "_0.R20250101.00_00"
	b["sqlNetworkArchitecture"] = "NEW_NETWORK_ARCHITECTURE"
	b["satisfiesPzi"] = false
	b["geminiConfig"] = map[string]any{"entitled": false, "activeQueryEnabled": false, "indexAdvisorEnabled": false}
	b["serviceAccountEmailAddress"] = "p" + strconv.FormatUint(s.seq, 10) + "-local@gcp-sa-cloud-sql.iam.gserviceaccount.com"
	b["serverCaCert"] = map[string]any{"kind": "sql#sslCert", "instance": name, "commonName": "C=US,O=Google\\, Inc,CN=Google Cloud SQL Server CA", "certSerialNumber": "0",
		"cert": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", "createTime": now(), "expirationTime": "2036-01-01T00:00:00.000Z", "sha1Fingerprint": fingerprint(name)}
	if _, ok := b["upgradableDatabaseVersions"]; !ok {
		b["upgradableDatabaseVersions"] = []any{}
	}
	if str(b["instanceType"]) == "" {
		b["instanceType"] = "CLOUD_SQL_INSTANCE"
		if str(b["masterInstanceName"]) != "" {
			b["instanceType"] = "READ_REPLICA_INSTANCE"
		}
	}
	st, _ := b["settings"].(map[string]any)
	if st == nil {
		st = map[string]any{}
		b["settings"] = st
	}
	setDefaults(st, map[string]any{
		"kind": "sql#settings", "activationPolicy": "ALWAYS", "availabilityType": "ZONAL", "connectorEnforcement": "NOT_REQUIRED",
		"dataDiskSizeGb": "10", "dataDiskType": "PD_SSD", "deletionProtectionEnabled": false, "edition": "ENTERPRISE",
		"pricingPlan": "PER_USE", "replicationType": "SYNCHRONOUS", "storageAutoResize": true, "storageAutoResizeLimit": "0",
		"settingsVersion": "1", "authorizedGaeApplications": []any{}, "userLabels": map[string]any{},
	})
	if str(b["masterInstanceName"]) != "" {
		st["replicationType"] = "ASYNCHRONOUS"
	}
	ipc, _ := st["ipConfiguration"].(map[string]any)
	if ipc == nil {
		ipc = map[string]any{}
		st["ipConfiguration"] = ipc
	}
	setDefaults(ipc, map[string]any{"ipv4Enabled": true, "requireSsl": false, "sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED", "authorizedNetworks": []any{}})
	bc, _ := st["backupConfiguration"].(map[string]any)
	if bc == nil {
		bc = map[string]any{}
		st["backupConfiguration"] = bc
	}
	setDefaults(bc, map[string]any{
		"kind": "sql#backupConfiguration", "enabled": false, "startTime": "12:00", "transactionLogRetentionDays": 7,
		"backupRetentionSettings": map[string]any{"retainedBackups": 7, "retentionUnit": "COUNT"},
	})
	if engine(v) == "MYSQL" {
		setDefaults(bc, map[string]any{"binaryLogEnabled": false})
	} else {
		setDefaults(bc, map[string]any{"pointInTimeRecoveryEnabled": false})
	}
	lp, _ := st["locationPreference"].(map[string]any)
	if lp == nil {
		lp = map[string]any{}
		st["locationPreference"] = lp
	}
	lp["kind"] = "sql#locationPreference"
	zones := Regions[region]
	if str(lp["zone"]) == "" && len(zones) > 0 {
		lp["zone"] = zones[0]
	}
	b["gceZone"] = lp["zone"]
	s.placeInstance(b)
	n := s.seq % 250
	if boolAt(ipc, "ipv4Enabled") {
		b["ipAddresses"] = []any{map[string]any{"type": "PRIMARY", "ipAddress": fmt.Sprintf("35.200.%d.%d", n/250, n+2)}}
	} else {
		b["ipAddresses"] = []any{map[string]any{"type": "PRIVATE", "ipAddress": fmt.Sprintf("10.120.%d.%d", n/250, n+2)}}
	}
	b["etag"] = fingerprint(b)
}

// placeInstance sets the standby zone of a REGIONAL instance (another zone
// of its region), and drops it for a ZONAL one.
func (s *Server) placeInstance(b map[string]any) {
	st := mapAt(b, "settings")
	zone := str(b["gceZone"])
	delete(b, "secondaryGceZone")
	if str(st["availabilityType"]) == "REGIONAL" {
		for _, z := range Regions[str(b["region"])] {
			if z != zone {
				b["secondaryGceZone"] = z
				break
			}
		}
	}
}

func setDefaults(m, d map[string]any) {
	for k, v := range d {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
}

func (s *Server) sqlChild(parent, coll, name string, body map[string]any) {
	k := parent + "/" + coll + "/" + name
	s.objects[k] = &object{key: k, svc: "sql", body: body, extra: map[string]any{}}
}

// databasesOf lists an instance's databases by name.
func (s *Server) databasesOf(key string) []string {
	var out []string
	for _, o := range s.children(key + "/databases") {
		out = append(out, str(o.body["name"]))
	}
	sort.Strings(out)
	return out
}

func (s *Server) putDatabase(instKey, project, instance, name string) {
	s.sqlChild(instKey, "databases", name, map[string]any{"kind": "sql#database", "name": name, "instance": instance, "project": project,
		"charset": "UTF8", "collation": "en_US.UTF8", "etag": fingerprint(instKey + name)})
}

// replicate applies f to every replica of the instance, down the chain:
// a replica follows its master while it has one.
func (s *Server) replicate(key string, f func(replicaKey string, replica *object)) {
	o := s.objects[key]
	if o == nil {
		return
	}
	project := str(o.body["project"])
	names, _ := o.body["replicaNames"].([]any)
	for _, n := range names {
		rk := instanceKey(project, str(n))
		if r := s.objects[rk]; r != nil {
			f(rk, r)
			s.replicate(rk, f)
		}
	}
}

func removeName(list any, name string) []any {
	in, _ := list.([]any)
	var out []any
	for _, n := range in {
		if str(n) != name {
			out = append(out, n)
		}
	}
	return out
}

func (s *Server) detachReplica(r *object) {
	project := str(r.body["project"])
	master := s.objects[instanceKey(project, masterName(str(r.body["masterInstanceName"])))]
	if master != nil {
		if names := removeName(master.body["replicaNames"], str(r.body["name"])); len(names) > 0 {
			master.body["replicaNames"] = names
		} else {
			delete(master.body, "replicaNames")
		}
	}
	delete(r.body, "masterInstanceName")
	delete(r.body, "replicaConfiguration")
}

// masterName is the instance name of a masterInstanceName, which may be
// written PROJECT:NAME.
func masterName(n string) string { return n[strings.LastIndex(n, ":")+1:] }

func (s *Server) sql(q *request) (map[string]any, int, *apiError) {
	project := q.vars["project"]
	inst := q.vars["instance"]
	ikey := instanceKey(project, inst)
	parts := strings.Split(q.m.ID, ".")
	res := parts[len(parts)-2]
	kind := q.m.Kind()
	switch res + "." + kind {
	case "operations.get":
		o := s.sqlOps[q.path]
		if o == nil {
			return nil, 0, errf(404, "operationDoesNotExist", "The Cloud SQL operation does not exist.")
		}
		o.poll()
		return s.renderOp(q, o), 200, nil
	case "operations.list":
		var ops []*sqlOp
		for _, o := range s.sqlOps {
			if strings.HasPrefix(o.key, "projects/"+project+"/") && (q.r.URL.Query().Get("instance") == "" || contains(o.locks, instanceKey(project, q.r.URL.Query().Get("instance")))) {
				ops = append(ops, o)
			}
		}
		sort.Slice(ops, func(i, j int) bool { return ops[i].seq > ops[j].seq })
		items := []any{}
		for _, o := range ops {
			items = append(items, s.renderOp(q, o))
		}
		return map[string]any{"kind": "sql#operationsList", "items": items}, 200, nil
	case "instances.list":
		items := []any{}
		for _, o := range s.children("projects/" + project + "/instances") {
			s.advance(o.key)
			items = append(items, s.renderInstance(q, o))
		}
		return map[string]any{"kind": "sql#instancesList", "items": items}, 200, nil
	case "instances.insert":
		return s.sqlInsert(q)
	}
	o := s.objects[ikey]
	if o == nil {
		return nil, 0, sqlNotFound()
	}
	if kind == "get" && res == "instances" {
		s.advance(ikey)
		return s.renderInstance(q, o), 200, nil
	}
	if q.m.HTTPMethod != "GET" && s.refusedBusy(ikey) {
		return nil, 0, errf(409, "operationInProgress", "Operation failed because another operation was already in progress. Try your request after the current operation is complete.")
	}
	switch res {
	case "instances":
		return s.sqlInstanceAction(q, o)
	case "backupRuns":
		return s.sqlBackupRuns(q, o)
	case "users":
		return s.sqlUsers(q, o)
	case "databases":
		return s.sqlDatabases(q, o)
	}
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}

func (s *Server) sqlInsert(q *request) (map[string]any, int, *apiError) {
	project := q.vars["project"]
	b := copyObj(q.body)
	name := str(b["name"])
	if name == "" {
		return nil, 0, invalid("Missing instance name.")
	}
	key := instanceKey(project, name)
	if s.objects[key] != nil {
		return nil, 0, errf(409, "instanceAlreadyExists", "The Cloud SQL instance already exists.")
	}
	if s.ReserveDeletedSQLNames && s.deletedSQL[key] {
		return nil, 0, errf(409, "instanceAlreadyExists", "The Cloud SQL instance already exists. When you delete an instance, you can't reuse the name of the deleted instance until one week from the deletion date.")
	}
	if str(b["region"]) == "" {
		b["region"] = "us-central1"
	}
	var master *object
	locks := []string{key}
	if mn := str(b["masterInstanceName"]); mn != "" {
		master = s.objects[instanceKey(project, masterName(mn))]
		if master == nil {
			return nil, 0, invalid("The master instance (%s) does not exist.", mn)
		}
		if str(master.body["state"]) != "RUNNABLE" || s.refusedBusy(master.key) {
			return nil, 0, errf(409, "operationInProgress", "Operation failed because another operation was already in progress. Try your request after the current operation is complete.")
		}
		if str(b["databaseVersion"]) == "" {
			b["databaseVersion"] = master.body["databaseVersion"]
		}
		st, _ := b["settings"].(map[string]any)
		if st == nil {
			st = map[string]any{}
			b["settings"] = st
		}
		if str(st["tier"]) == "" {
			st["tier"] = mapAt(master.body, "settings")["tier"]
		}
		locks = append(locks, master.key)
	} else if str(b["databaseVersion"]) == "" {
		b["databaseVersion"] = "MYSQL_8_0"
	}
	var mb map[string]any
	if master != nil {
		mb = master.body
	} else if st := mapAt(b, "settings"); str(st["edition"]) == "ENTERPRISE_PLUS" && st["backupConfiguration"] == nil {
		// An Enterprise Plus primary created without a backup
		// configuration gets daily backups with point-in-time recovery
		// (binary log on MySQL), 15 backups and 14 days of logs.
		bc := map[string]any{"enabled": true, "transactionLogRetentionDays": 14, "backupTier": "STANDARD",
			"transactionalLogStorageState": "CLOUD_STORAGE",
			"backupRetentionSettings":      map[string]any{"retainedBackups": 15, "retentionUnit": "COUNT"}}
		if engine(str(b["databaseVersion"])) == "MYSQL" {
			bc["binaryLogEnabled"] = true
		} else {
			bc["pointInTimeRecoveryEnabled"] = true
		}
		st["backupConfiguration"] = bc
	}
	if e := checkInstance(b, mb); e != nil {
		return nil, 0, e
	}
	s.instanceDefaults(project, b)
	b["state"] = "PENDING_CREATE"
	o := &object{key: key, svc: "sql", body: b, extra: map[string]any{}}
	s.objects[key] = o
	opType, target := "CREATE", name
	if master != nil {
		opType, target = "CREATE_REPLICA", str(master.body["name"])
		master.body["replicaNames"] = append(removeName(master.body["replicaNames"], name), name)
	}
	return s.newSQLOp(q, opType, target, 3, locks, func() *apiError {
		b["state"] = "RUNNABLE"
		eng := engine(str(b["databaseVersion"]))
		if master != nil {
			// A replica starts as a copy of its master's data.
			for _, d := range s.databasesOf(master.key) {
				s.putDatabase(key, project, name, d)
			}
		} else if eng == "MYSQL" {
			for _, d := range []string{"information_schema", "mysql", "performance_schema", "sys"} {
				s.putDatabase(key, project, name, d)
			}
		} else {
			s.putDatabase(key, project, name, "postgres")
		}
		if master == nil {
			user, host := "postgres", ""
			if eng == "MYSQL" {
				user, host = "root", "%"
			}
			s.sqlChild(key, "users", user+"@"+host, map[string]any{"kind": "sql#user", "name": user, "host": host, "instance": name, "project": project, "etag": fingerprint(user)})
		}
		return nil
	}), 200, nil
}

// sqlInstanceAction is patch, update, delete, promoteReplica, switchover,
// restoreBackup.
func (s *Server) sqlInstanceAction(q *request, o *object) (map[string]any, int, *apiError) {
	project, name := q.vars["project"], q.vars["instance"]
	b := o.body
	isReplica := str(b["masterInstanceName"]) != ""
	switch q.m.Kind() {
	case "patch", "update":
		next := copyObj(b)
		if q.m.Kind() == "patch" {
			body := copyObj(q.body)
			for _, k := range []string{"name", "project", "region", "databaseVersion", "masterInstanceName", "instanceType", "kind", "state", "selfLink", "connectionName", "replicaNames"} {
				delete(body, k)
			}
			mergePatch(next, body)
		} else {
			// update replaces the settings; server-filled fields stay.
			cur := mapAt(b, "settings")
			st := copyObj(mapAt(q.body, "settings"))
			for _, k := range []string{"kind", "settingsVersion", "dataDiskType", "pricingPlan", "replicationType", "storageAutoResizeLimit", "authorizedGaeApplications"} {
				if _, ok := st[k]; !ok && cur[k] != nil {
					st[k] = cur[k]
				}
			}
			setDefaults(st, map[string]any{"availabilityType": "ZONAL", "activationPolicy": "ALWAYS", "deletionProtectionEnabled": false})
			next["settings"] = st
			if rc, ok := q.body["replicationCluster"]; ok {
				next["replicationCluster"] = rc
			}
		}
		if sv := str(mapAt(q.body, "settings")["settingsVersion"]); sv != "" && sv != str(mapAt(b, "settings")["settingsVersion"]) {
			return nil, 0, errf(412, "staleData", "The settings version (%s) is stale: the instance has changed since it was read.", sv)
		}
		var master map[string]any
		if isReplica {
			if m := s.objects[instanceKey(project, masterName(str(b["masterInstanceName"])))]; m != nil {
				master = m.body
			} else {
				master = map[string]any{"databaseVersion": b["databaseVersion"]}
			}
		}
		if e := checkInstance(next, master); e != nil {
			return nil, 0, e
		}
		return s.newSQLOp(q, "UPDATE", name, 2, []string{o.key}, func() *apiError {
			st := mapAt(next, "settings")
			st["settingsVersion"] = strconv.FormatInt(intOf(mapAt(b, "settings")["settingsVersion"])+1, 10)
			if lp := mapAt(st, "locationPreference"); str(lp["zone"]) != "" {
				next["gceZone"] = lp["zone"]
			}
			// Replicas come and go while the update runs (a replica
			// deleted meanwhile leaves the list): the list is the server's.
			if rn, ok := b["replicaNames"]; ok {
				next["replicaNames"] = rn
			} else {
				delete(next, "replicaNames")
			}
			for k := range b {
				delete(b, k)
			}
			for k, v := range next {
				b[k] = v
			}
			s.placeInstance(b)
			b["etag"] = fingerprint(b)
			return nil
		}), 200, nil
	case "delete":
		if boolAt(mapAt(b, "settings"), "deletionProtectionEnabled") {
			return nil, 0, errf(400, "deletionProtectionEnabled", "The instance is protected. Please disable the deletion protection and try again. To disable deletion protection, update the instance settings with deletionProtectionEnabled set to false.")
		}
		if names, _ := b["replicaNames"].([]any); len(names) > 0 {
			return nil, 0, errf(400, "errorReplicationMasterInvalidOperation", "The requested operation is not valid for a replication master instance.")
		}
		return s.newSQLOp(q, "DELETE", name, 2, []string{o.key}, func() *apiError {
			if str(b["masterInstanceName"]) != "" {
				s.detachReplica(o)
			}
			for k := range s.objects {
				if k == o.key || strings.HasPrefix(k, o.key+"/") {
					delete(s.objects, k)
				}
			}
			if s.deletedSQL == nil {
				s.deletedSQL = map[string]bool{}
			}
			s.deletedSQL[o.key] = true
			return nil
		}), 200, nil
	case "promoteReplica":
		if !isReplica {
			return nil, 0, errf(400, "instanceNotReplica", "The instance is not a read replica instance.")
		}
		return s.newSQLOp(q, "PROMOTE_REPLICA", name, 2, []string{o.key}, func() *apiError {
			s.detachReplica(o)
			b["instanceType"] = "CLOUD_SQL_INSTANCE"
			mapAt(b, "settings")["replicationType"] = "SYNCHRONOUS"
			if eng := engine(str(b["databaseVersion"])); eng != "MYSQL" {
				// A promoted Postgres instance takes the built-in user's role.
				if len(s.children(o.key+"/users")) == 0 {
					s.sqlChild(o.key, "users", "postgres@", map[string]any{"kind": "sql#user", "name": "postgres", "host": "", "instance": name, "project": project, "etag": fingerprint("postgres")})
				}
			}
			b["etag"] = fingerprint(b)
			return nil
		}), 200, nil
	case "switchover":
		return s.sqlSwitchover(q, o)
	case "restoreBackup":
		ctx := mapAt(q.body, "restoreBackupContext")
		if len(ctx) == 0 {
			return nil, 0, invalid("restoreBackupContext is required.")
		}
		srcName := str(ctx["instanceId"])
		if srcName == "" {
			srcName = name
		}
		srcProject := str(ctx["project"])
		if srcProject == "" {
			srcProject = project
		}
		src := s.objects[instanceKey(srcProject, srcName)]
		if src == nil {
			return nil, 0, sqlNotFound()
		}
		run := s.objects[instanceKey(srcProject, srcName)+"/backupRuns/"+strconv.FormatInt(intOf(ctx["backupRunId"]), 10)]
		if run == nil || str(run.body["status"]) != "SUCCESSFUL" {
			return nil, 0, errf(404, "backupRunDoesNotExist", "The backup run does not exist.")
		}
		if isReplica {
			return nil, 0, invalid("A backup cannot be restored into a read replica.")
		}
		if names, _ := b["replicaNames"].([]any); len(names) > 0 {
			return nil, 0, errf(400, "errorReplicationMasterInvalidOperation", "The requested operation is not valid for a replication master instance.")
		}
		if str(src.body["databaseVersion"]) != str(b["databaseVersion"]) {
			return nil, 0, invalid("The backup's database version (%s) does not match the instance's (%s).", src.body["databaseVersion"], b["databaseVersion"])
		}
		dbs, _ := run.extra["databases"].([]string)
		b["state"] = "MAINTENANCE"
		return s.newSQLOp(q, "RESTORE_VOLUME", name, 3, []string{o.key}, func() *apiError {
			for _, d := range s.children(o.key + "/databases") {
				delete(s.objects, d.key)
			}
			for _, d := range dbs {
				s.putDatabase(o.key, project, name, d)
			}
			b["state"] = "RUNNABLE"
			o.extra["restoredFrom"] = run.key
			return nil
		}), 200, nil
	}
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}

func (s *Server) sqlBackupRuns(q *request, o *object) (map[string]any, int, *apiError) {
	project, name := q.vars["project"], q.vars["instance"]
	coll := o.key + "/backupRuns"
	render := func(r *object) map[string]any {
		rb := copyObj(r.body)
		rb["selfLink"] = sqlBase(q) + r.key
		return rb
	}
	switch q.m.Kind() {
	case "list":
		runs := s.children(coll)
		sort.Slice(runs, func(i, j int) bool { return intOf(runs[i].extra["seq"]) > intOf(runs[j].extra["seq"]) })
		items := []any{}
		for _, r := range runs {
			items = append(items, render(r))
		}
		return map[string]any{"kind": "sql#backupRunsList", "items": items}, 200, nil
	case "get", "delete":
		r := s.objects[coll+"/"+q.vars["id"]]
		if r == nil {
			return nil, 0, errf(404, "backupRunDoesNotExist", "The backup run does not exist.")
		}
		if q.m.Kind() == "get" {
			return render(r), 200, nil
		}
		return s.newSQLOp(q, "DELETE_BACKUP", name, 2, []string{o.key}, func() *apiError {
			delete(s.objects, r.key)
			return nil
		}), 200, nil
	case "insert":
		if str(o.body["masterInstanceName"]) != "" {
			return nil, 0, invalid("Backups are not supported for read replicas.")
		}
		if str(o.body["state"]) != "RUNNABLE" {
			return nil, 0, errf(409, "operationInProgress", "Operation failed because another operation was already in progress. Try your request after the current operation is complete.")
		}
		loc := str(q.body["location"])
		if loc == "" {
			loc = str(mapAt(o.body, "settings", "backupConfiguration")["location"])
		}
		if loc == "" {
			loc = str(o.body["region"])
		}
		if !knownBackupLocation(loc) {
			return nil, 0, invalid("backup location (%s) is not a region or multi-region.", loc)
		}
		id := s.nextID()
		rb := map[string]any{"kind": "sql#backupRun", "id": id, "instance": name, "status": "ENQUEUED", "type": "ON_DEMAND",
			"backupKind": "SNAPSHOT", "location": loc, "enqueuedTime": now(), "windowStartTime": now(), "databaseVersion": o.body["databaseVersion"]}
		if d := str(q.body["description"]); d != "" {
			rb["description"] = d
		}
		s.sqlChild(o.key, "backupRuns", id, rb)
		r := s.objects[coll+"/"+id]
		r.extra["seq"] = s.seq
		// The backup holds the data as it is when the backup is taken.
		r.extra["databases"] = s.databasesOf(o.key)
		op := s.newSQLOp(q, "BACKUP_VOLUME", name, 2, []string{o.key}, func() *apiError {
			rb["status"], rb["startTime"], rb["endTime"] = "SUCCESSFUL", now(), now()
			return nil
		})
		s.sqlOps["projects/"+project+"/operations/"+str(op["name"])].body["backupContext"] = map[string]any{"kind": "sql#backupContext", "backupId": id}
		op["backupContext"] = map[string]any{"kind": "sql#backupContext", "backupId": id}
		rb["status"] = "RUNNING"
		return op, 200, nil
	}
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}

func (s *Server) sqlUsers(q *request, o *object) (map[string]any, int, *apiError) {
	project, name := q.vars["project"], q.vars["instance"]
	coll := o.key + "/users"
	qp := q.r.URL.Query()
	switch q.m.Kind() {
	case "list":
		items := []any{}
		for _, u := range s.children(coll) {
			items = append(items, copyObj(u.body))
		}
		return map[string]any{"kind": "sql#usersList", "items": items}, 200, nil
	case "get":
		u := s.objects[coll+"/"+q.vars["name"]+"@"+qp.Get("host")]
		if u == nil {
			return nil, 0, errf(404, "userDoesNotExist", "The user does not exist.")
		}
		return copyObj(u.body), 200, nil
	case "insert":
		if str(o.body["masterInstanceName"]) != "" {
			return nil, 0, invalid("Users cannot be changed on a read replica; they follow the primary.")
		}
		user, host := str(q.body["name"]), str(q.body["host"])
		if user == "" {
			return nil, 0, invalid("Missing user name.")
		}
		if s.objects[coll+"/"+user+"@"+host] != nil {
			return nil, 0, errf(409, "userAlreadyExists", "The user already exists.")
		}
		return s.newSQLOp(q, "CREATE_USER", name, 0, []string{o.key}, func() *apiError {
			s.sqlChild(o.key, "users", user+"@"+host, map[string]any{"kind": "sql#user", "name": user, "host": host, "instance": name, "project": project, "etag": fingerprint(user + host)})
			return nil
		}), 200, nil
	case "update", "delete":
		user, host := qp.Get("name"), qp.Get("host")
		u := s.objects[coll+"/"+user+"@"+host]
		if u == nil {
			return nil, 0, errf(404, "userDoesNotExist", "The user does not exist.")
		}
		if q.m.Kind() == "update" {
			// The password is write-only: accepted, never stored in a response.
			return s.newSQLOp(q, "UPDATE_USER", name, 0, []string{o.key}, func() *apiError {
				u.body["etag"] = fingerprint(u.body["etag"])
				return nil
			}), 200, nil
		}
		return s.newSQLOp(q, "DELETE_USER", name, 0, []string{o.key}, func() *apiError {
			delete(s.objects, u.key)
			return nil
		}), 200, nil
	}
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}

func (s *Server) sqlDatabases(q *request, o *object) (map[string]any, int, *apiError) {
	project, name := q.vars["project"], q.vars["instance"]
	coll := o.key + "/databases"
	render := func(d *object) map[string]any {
		b := copyObj(d.body)
		b["selfLink"] = sqlBase(q) + d.key
		return b
	}
	readOnly := func() *apiError {
		if str(o.body["masterInstanceName"]) != "" {
			return invalid("A read replica is read-only: change databases on its primary.")
		}
		return nil
	}
	switch q.m.Kind() {
	case "list":
		items := []any{}
		for _, d := range s.children(coll) {
			items = append(items, render(d))
		}
		return map[string]any{"kind": "sql#databasesList", "items": items}, 200, nil
	case "get":
		d := s.objects[coll+"/"+q.vars["database"]]
		if d == nil {
			return nil, 0, errf(404, "databaseDoesNotExist", "The database does not exist.")
		}
		return render(d), 200, nil
	case "insert":
		if e := readOnly(); e != nil {
			return nil, 0, e
		}
		db := str(q.body["name"])
		if db == "" {
			return nil, 0, invalid("Missing database name.")
		}
		if s.objects[coll+"/"+db] != nil {
			return nil, 0, errf(409, "databaseAlreadyExists", "The database already exists.")
		}
		return s.newSQLOp(q, "CREATE_DATABASE", name, 2, []string{o.key}, func() *apiError {
			s.putDatabase(o.key, project, name, db)
			s.replicate(o.key, func(rk string, r *object) { s.putDatabase(rk, project, str(r.body["name"]), db) })
			return nil
		}), 200, nil
	case "delete":
		if e := readOnly(); e != nil {
			return nil, 0, e
		}
		d := s.objects[coll+"/"+q.vars["database"]]
		if d == nil {
			return nil, 0, errf(404, "databaseDoesNotExist", "The database does not exist.")
		}
		db := q.vars["database"]
		return s.newSQLOp(q, "DELETE_DATABASE", name, 2, []string{o.key}, func() *apiError {
			delete(s.objects, d.key)
			s.replicate(o.key, func(rk string, _ *object) { delete(s.objects, rk+"/databases/"+db) })
			return nil
		}), 200, nil
	}
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}

// sqlSwitchover makes a replica the primary and its primary a replica of
// it (Enterprise Plus DR switchover): the primary's other replicas follow
// the new primary; nothing is lost, both stay RUNNABLE.
func (s *Server) sqlSwitchover(q *request, o *object) (map[string]any, int, *apiError) {
	project, name := q.vars["project"], q.vars["instance"]
	b := o.body
	if str(b["masterInstanceName"]) == "" {
		return nil, 0, errf(400, "instanceNotReplica", "The instance is not a read replica instance.")
	}
	old := s.objects[instanceKey(project, masterName(str(b["masterInstanceName"])))]
	if old == nil {
		return nil, 0, sqlNotFound()
	}
	if str(mapAt(old.body, "settings")["edition"]) != "ENTERPRISE_PLUS" || str(mapAt(b, "settings")["edition"]) != "ENTERPRISE_PLUS" {
		return nil, 0, invalid("Switchover is only supported for Cloud SQL Enterprise Plus edition instances.")
	}
	if str(old.body["state"]) != "RUNNABLE" || str(b["state"]) != "RUNNABLE" {
		return nil, 0, invalid("The primary and the replica must be running to switch over.")
	}
	if s.refusedBusy(old.key) {
		return nil, 0, errf(409, "operationInProgress", "Operation failed because another operation was already in progress. Try your request after the current operation is complete.")
	}
	return s.newSQLOp(q, "SWITCHOVER", name, 2, []string{o.key, old.key}, func() *apiError {
		oldName := str(old.body["name"])
		var others []any
		for _, n := range removeName(old.body["replicaNames"], name) {
			others = append(others, n)
			if r := s.objects[instanceKey(project, str(n))]; r != nil {
				r.body["masterInstanceName"] = project + ":" + name
			}
		}
		delete(b, "masterInstanceName")
		delete(b, "replicaConfiguration")
		b["instanceType"] = "CLOUD_SQL_INSTANCE"
		b["replicaNames"] = append([]any{oldName}, others...)
		b["replicationCluster"] = map[string]any{"failoverDrReplicaName": oldName, "drReplica": false}
		delete(old.body, "replicaNames")
		old.body["masterInstanceName"] = project + ":" + name
		old.body["instanceType"] = "READ_REPLICA_INSTANCE"
		old.body["replicationCluster"] = map[string]any{"drReplica": true}
		b["etag"], old.body["etag"] = fingerprint(b), fingerprint(old.body)
		return nil
	}), 200, nil
}
