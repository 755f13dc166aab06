package gcplocal

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Regions and their zones known to the endpoint; anything else is not found.
var Regions = map[string][]string{
	"us-central1":     {"us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"},
	"us-east1":        {"us-east1-b", "us-east1-c", "us-east1-d"},
	"us-east4":        {"us-east4-a", "us-east4-b", "us-east4-c"},
	"us-west1":        {"us-west1-a", "us-west1-b", "us-west1-c"},
	"europe-west1":    {"europe-west1-b", "europe-west1-c", "europe-west1-d"},
	"europe-west3":    {"europe-west3-a", "europe-west3-b", "europe-west3-c"},
	"europe-west4":    {"europe-west4-a", "europe-west4-b", "europe-west4-c"},
	"asia-northeast1": {"asia-northeast1-a", "asia-northeast1-b", "asia-northeast1-c"},
}

func zoneRegion(zone string) string {
	if i := strings.LastIndex(zone, "-"); i > 0 {
		if zs, ok := Regions[zone[:i]]; ok && contains(zs, zone) {
			return zone[:i]
		}
	}
	return ""
}

type operation struct {
	key   string
	svc   string
	body  map[string]any
	polls int
}

// computeKind is the `kind` a resource collection's objects carry.
func (s *Server) schemaDefaultKind(m *Method, ref string) string {
	sc := m.doc.Schemas[ref]
	if sc == nil {
		return ""
	}
	if k := sc.Properties["kind"]; k != nil {
		if d, ok := k.Default.(string); ok {
			return d
		}
	}
	return ""
}

// resourceSchema is the schema of the objects a method's resource holds
// (the `get` method's response).
func (s *Server) resourceSchema(m *Method) string {
	base := m.ID[:strings.LastIndex(m.ID, ".")]
	if g := s.C.ByID[base+".get@"+m.doc.Version]; g != nil && g.Response != nil {
		return g.Response.Ref
	}
	return ""
}

func hasProp(m *Method, ref, prop string) bool {
	sc := m.doc.Schemas[ref]
	return sc != nil && sc.Properties[prop] != nil
}

func fingerprint(v any) string {
	h := sha256.Sum256([]byte(fmt.Sprint(v)))
	return base64.StdEncoding.EncodeToString(h[:8])
}

// scopeOf returns "global", "regions/R" or "zones/Z" of a project path.
func scopeOf(path string) (scope, region, zone string) {
	seg := strings.Split(path, "/")
	if len(seg) >= 4 && (seg[2] == "regions" || seg[2] == "zones") {
		if seg[2] == "regions" {
			return "regions/" + seg[3], seg[3], ""
		}
		return "zones/" + seg[3], zoneRegion(seg[3]), seg[3]
	}
	return "global", "", ""
}

// normalizeRefs turns relative resource references into full self links,
// as real GCP stores them.
func normalizeRefs(project string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if k == "name" || k == "description" {
				continue
			}
			t[k] = normalizeRefs(project, e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalizeRefs(project, e)
		}
	case string:
		switch {
		case strings.HasPrefix(t, "https://compute.googleapis.com/compute/v1/"):
			return ComputeBase + strings.TrimPrefix(t, "https://compute.googleapis.com/compute/v1/")
		case strings.HasPrefix(t, "projects/") && strings.Count(t, "/") >= 3:
			return ComputeBase + t
		case (strings.HasPrefix(t, "global/") || strings.HasPrefix(t, "regions/") || strings.HasPrefix(t, "zones/")) && strings.Count(t, "/") >= 2:
			return ComputeBase + "projects/" + project + "/" + t
		}
	}
	return v
}

func (s *Server) newComputeOp(q *request, opType, target, targetID string) map[string]any {
	project := q.vars["project"]
	scope, region, zone := scopeOf(q.path)
	name := "operation-" + strconv.FormatUint(s.seq+1, 10) + "-" + fmt.Sprintf("%x", s.seq*2654435761)
	id := s.nextID()
	key := "projects/" + project + "/" + scope + "/operations/" + name
	op := map[string]any{
		"kind":          "compute#operation",
		"id":            id,
		"name":          name,
		"operationType": opType,
		"targetLink":    ComputeBase + target,
		"status":        "PENDING",
		"progress":      0,
		"insertTime":    now(),
		"user":          "local@" + project + ".iam.gserviceaccount.com",
		"selfLink":      ComputeBase + key,
	}
	if targetID != "" {
		op["targetId"] = targetID
	}
	if region != "" && zone == "" {
		op["region"] = ComputeBase + "projects/" + project + "/regions/" + region
	}
	if zone != "" {
		op["zone"] = ComputeBase + "projects/" + project + "/zones/" + zone
	}
	s.ops[key] = &operation{key: key, svc: "compute", body: op}
	return copyObj(op)
}

// pollOp moves an operation one step: PENDING → RUNNING → DONE.
func (o *operation) poll() {
	o.polls++
	switch {
	case o.polls == 1:
		o.body["status"] = "RUNNING"
		o.body["startTime"] = now()
		if o.svc == "compute" {
			o.body["progress"] = 50
		}
	case o.polls >= 2 && o.body["status"] != "DONE":
		o.body["status"] = "DONE"
		o.body["endTime"] = now()
		if o.svc == "compute" {
			o.body["progress"] = 100
		}
	}
}

func notFound(path string) *apiError {
	return errf(404, "notFound", "The resource '%s' was not found", path)
}

func (s *Server) checkLocation(q *request) *apiError {
	project := q.vars["project"]
	if r, ok := q.vars["region"]; ok {
		if _, known := Regions[r]; !known {
			return notFound("projects/" + project + "/regions/" + r)
		}
	}
	if z, ok := q.vars["zone"]; ok && zoneRegion(z) == "" {
		return notFound("projects/" + project + "/zones/" + z)
	}
	return nil
}

func (s *Server) compute(q *request) (map[string]any, int, *apiError) {
	if aerr := s.checkLocation(q); aerr != nil {
		return nil, 0, aerr
	}
	res := strings.Split(q.m.ID, ".")[1]
	kind := q.m.Kind()
	// A few global methods keep a legacy path without "global/"
	// (targetHttpProxies.setUrlMap): the object is the global one.
	if seg := strings.Split(q.path, "/"); len(seg) >= 4 && seg[0] == "projects" && seg[2] == res && res != "regions" && res != "zones" {
		q.path = strings.Join(seg[:2], "/") + "/global/" + strings.Join(seg[2:], "/")
	}
	if p := q.vars["project"]; p != "" {
		s.seedProject(p)
	}
	switch res {
	case "globalOperations", "regionOperations", "zoneOperations":
		switch kind {
		case "get", "wait":
			o := s.ops[q.path]
			if kind == "wait" {
				o = s.ops[strings.TrimSuffix(q.path, "/wait")]
			}
			if o == nil {
				return nil, 0, notFound(strings.TrimSuffix(q.path, "/wait"))
			}
			o.poll()
			return copyObj(o.body), 200, nil
		case "list":
			var items []any
			keys := make([]string, 0)
			for k := range s.ops {
				if strings.HasPrefix(k, q.path+"/") {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				items = append(items, copyObj(s.ops[k].body))
			}
			return s.listBody(q, items), 200, nil
		case "delete":
			if s.ops[q.path] == nil {
				return nil, 0, notFound(q.path)
			}
			delete(s.ops, q.path)
			return nil, 204, nil
		}
	case "regions", "zones":
		return s.locations(q, res, kind)
	}
	switch kind {
	case "get":
		o := s.objects[q.path]
		if o == nil {
			return nil, 0, notFound(q.path)
		}
		s.tick(o)
		return s.view(o), 200, nil
	case "list":
		var items []any
		for _, o := range s.children(q.path) {
			if o.svc == "compute" {
				s.tick(o)
				items = append(items, s.view(o))
			}
		}
		return s.listBody(q, items), 200, nil
	case "aggregatedList":
		return s.aggregated(q), 200, nil
	case "insert":
		return s.computeInsert(q)
	case "delete":
		return s.computeDelete(q)
	case "patch", "update":
		return s.computeUpdate(q, kind)
	case "getFromFamily":
		return s.imageFromFamily(q)
	case "listInstances":
		o := s.objects[strings.TrimSuffix(q.path, "/listInstances")]
		if o == nil {
			return nil, 0, notFound(strings.TrimSuffix(q.path, "/listInstances"))
		}
		items := []any{}
		for _, m := range groupMembers(o) {
			it := map[string]any{"instance": m, "status": "RUNNING"}
			if np, ok := o.body["namedPorts"]; ok {
				it["namedPorts"] = deepCopy(np)
			}
			items = append(items, it)
		}
		return map[string]any{"kind": "compute#instanceGroupsListInstances", "id": s.nextID(), "items": items,
			"selfLink": ComputeBase + q.path}, 200, nil
	case "listManagedInstances":
		o := s.objects[strings.TrimSuffix(q.path, "/listManagedInstances")]
		if o == nil {
			return nil, 0, notFound(strings.TrimSuffix(q.path, "/listManagedInstances"))
		}
		s.tick(o)
		return map[string]any{"managedInstances": s.managedInstances(o)}, 200, nil
	}
	// Actions on one object: POST .../{name}/{action}.
	i := strings.LastIndex(q.path, "/")
	target := q.path[:i]
	o := s.objects[target]
	if o == nil {
		return nil, 0, notFound(target)
	}
	switch kind {
	case "resize":
		n, _ := strconv.Atoi(q.r.URL.Query().Get("size"))
		o.body["targetSize"] = n
	case "setLabels":
		if fp, ok := q.body["labelFingerprint"].(string); ok && fp != "" && o.body["labelFingerprint"] != nil && !sameFingerprint(fp, str(o.body["labelFingerprint"])) {
			return nil, 0, staleFingerprint(target)
		}
		o.body["labels"] = q.body["labels"]
		o.body["labelFingerprint"] = fingerprint(q.body["labels"])
	case "addInstances", "removeInstances":
		members := groupMembers(o)
		refs, _ := q.body["instances"].([]any)
		for _, r := range refs {
			m, _ := r.(map[string]any)
			u := str(normalizeRefs(q.vars["project"], str(m["instance"])))
			if kind == "addInstances" {
				if s.objects[strings.TrimPrefix(u, ComputeBase)] == nil {
					return nil, 0, notFound(strings.TrimPrefix(u, ComputeBase))
				}
				if !contains(members, u) {
					members = append(members, u)
				}
				continue
			}
			for i, e := range members {
				if e == u {
					members = append(members[:i:i], members[i+1:]...)
					break
				}
			}
		}
		o.extra["members"] = members
		o.body["size"] = len(members)
		s.bumpFingerprint(o)
	case "addPeering", "removePeering":
		if aerr := peering(o, kind, q.vars["project"], q.body); aerr != nil {
			return nil, 0, aerr
		}
	case "setInstanceTemplate":
		o.body["instanceTemplate"] = normalizeRefs(q.vars["project"], q.body["instanceTemplate"])
		delete(o.body, "versions")
		s.bumpFingerprint(o)
	default:
		if !strings.HasPrefix(kind, "set") {
			return nil, 0, errf(501, "notImplemented", "%s is documented but not modelled by this endpoint", q.m.ID)
		}
		for k, v := range q.body {
			if k != "fingerprint" {
				o.body[k] = normalizeRefs(q.vars["project"], deepCopy(v))
			}
		}
		s.bumpFingerprint(o)
	}
	return s.newComputeOp(q, kind, target, str(o.body["id"])), 200, nil
}

func str(v any) string { s, _ := v.(string); return s }

// sameFingerprint compares two fingerprints as bytes: they are `format:
// byte` fields, which clients may send back in the URL-safe base64
// alphabet (gcloud does) and GCP accepts either.
func sameFingerprint(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimRight(strings.NewReplacer("-", "+", "_", "/").Replace(s), "=")
	}
	return norm(a) == norm(b)
}

func staleFingerprint(path string) *apiError {
	return errf(412, "conditionNotMet", "Supplied fingerprint does not match current fingerprint of resource '%s'.", path)
}

func (s *Server) bumpFingerprint(o *object) {
	if _, ok := o.body["fingerprint"]; ok {
		s.seq++
		o.body["fingerprint"] = fingerprint(fmt.Sprint(s.seq, o.key))
	}
}

func (s *Server) listBody(q *request, items []any) map[string]any {
	out := map[string]any{"id": s.nextID(), "selfLink": ComputeBase + q.path}
	if q.m.Response != nil {
		if k := s.schemaDefaultKind(q.m, q.m.Response.Ref); k != "" {
			out["kind"] = k
		}
	}
	if items == nil {
		items = []any{}
	}
	out["items"] = items
	return out
}

func (s *Server) view(o *object) map[string]any { return copyObj(o.body) }

func (s *Server) computeInsert(q *request) (map[string]any, int, *apiError) {
	name := str(q.body["name"])
	key := q.path + "/" + name
	if name == "" {
		return nil, 0, errf(400, "required", "Required field 'resource.name' not specified")
	}
	if s.objects[key] != nil {
		return nil, 0, errf(409, "alreadyExists", "The resource '%s' already exists", key)
	}
	project := q.vars["project"]
	body := normalizeRefs(project, copyObj(q.body)).(map[string]any)
	ref := s.resourceSchema(q.m)
	id := s.nextID()
	body["id"] = id
	body["creationTimestamp"] = now()
	body["selfLink"] = ComputeBase + key
	if k := s.schemaDefaultKind(q.m, ref); k != "" {
		body["kind"] = k
	}
	_, region, zone := scopeOf(key)
	if region != "" && zone == "" && hasProp(q.m, ref, "region") {
		body["region"] = ComputeBase + "projects/" + project + "/regions/" + region
	}
	if zone != "" && hasProp(q.m, ref, "zone") {
		body["zone"] = ComputeBase + "projects/" + project + "/zones/" + zone
	}
	if hasProp(q.m, ref, "fingerprint") {
		body["fingerprint"] = fingerprint(id)
	}
	if hasProp(q.m, ref, "labelFingerprint") {
		body["labelFingerprint"] = fingerprint(body["labels"])
	}
	o := &object{key: key, svc: "compute", body: body, extra: map[string]any{}, method: q.m}
	res := strings.Split(q.m.ID, ".")[1]
	if aerr := s.fillDefaults(res, o); aerr != nil {
		return nil, 0, aerr
	}
	switch res {
	case "networks":
		if body["autoCreateSubnetworks"] == true {
			s.autoSubnetworks(project, body)
		}
	case "subnetworks":
		n := s.objects[strings.TrimPrefix(str(body["network"]), ComputeBase)]
		if n == nil {
			return nil, 0, errf(400, "invalid", "Invalid value for field 'resource.network': '%s'. The referenced network resource cannot be found.", str(q.body["network"]))
		}
		if n.body["autoCreateSubnetworks"] == true {
			return nil, 0, errf(400, "invalid", "Invalid value for field 'resource.network': '%s'. Subnetworks cannot be added to an auto subnet mode network.", str(q.body["network"]))
		}
		subs, _ := n.body["subnetworks"].([]any)
		n.body["subnetworks"] = append(subs, body["selfLink"])
	case "globalForwardingRules", "forwardingRules":
		if _, ok := body["IPAddress"]; !ok {
			n := s.seq % 250
			switch {
			case str(body["loadBalancingScheme"]) == "INTERNAL" || str(body["loadBalancingScheme"]) == "INTERNAL_MANAGED":
				body["IPAddress"] = fmt.Sprintf("10.128.0.%d", n+2)
			case region != "":
				body["IPAddress"] = fmt.Sprintf("35.192.%d.%d", n/16, n+1)
			default:
				body["IPAddress"] = fmt.Sprintf("34.120.%d.%d", n/16, n+1)
			}
		}
		if _, ok := body["IPProtocol"]; !ok {
			body["IPProtocol"] = "TCP"
		}
		if _, ok := body["loadBalancingScheme"]; !ok {
			body["loadBalancingScheme"] = "EXTERNAL"
		}
	case "regionInstanceGroupManagers", "instanceGroupManagers":
		if aerr := s.initGroup(q, o, region, zone); aerr != nil {
			return nil, 0, aerr
		}
	case "addresses", "globalAddresses":
		if _, ok := body["address"]; !ok {
			switch {
			case str(body["purpose"]) == "VPC_PEERING": // a range for private services
				body["address"] = fmt.Sprintf("10.%d.0.0", 64+s.seq%64)
			case str(body["addressType"]) == "INTERNAL":
				body["address"] = fmt.Sprintf("10.128.%d.%d", s.seq%250/16, s.seq%250+2)
			default:
				body["address"] = fmt.Sprintf("34.117.%d.%d", s.seq%250/16, s.seq%250+1)
			}
		}
		body["status"] = "RESERVED"
	case "backendServices", "regionBackendServices":
		for k, v := range map[string]any{"sessionAffinity": "NONE", "affinityCookieTtlSec": 0, "timeoutSec": 30, "description": "",
			"connectionDraining": map[string]any{"drainingTimeoutSec": 0}} {
			if _, ok := body[k]; !ok {
				body[k] = v
			}
		}
		if aerr := s.checkRefsExist(body); aerr != nil {
			return nil, 0, aerr
		}
	case "regionAutoscalers", "autoscalers":
		t := str(body["target"])
		if t == "" || s.objects[strings.TrimPrefix(t, ComputeBase)] == nil {
			return nil, 0, errf(400, "invalid", "Invalid value for field 'resource.target': '%s'. The resource does not exist.", str(q.body["target"]))
		}
		body["status"] = "ACTIVE"
	case "healthChecks", "regionHealthChecks", "urlMaps", "regionUrlMaps", "targetHttpProxies", "regionTargetHttpProxies",
		"targetHttpsProxies", "regionTargetHttpsProxies", "targetTcpProxies", "regionTargetTcpProxies", "targetSslProxies",
		"targetGrpcProxies", "backendBuckets", "instanceGroups", "instances":
		if aerr := s.checkRefsExist(body); aerr != nil {
			return nil, 0, aerr
		}
	}
	s.objects[key] = o
	return s.newComputeOp(q, "insert", key, id), 200, nil
}

// checkRefsExist refuses references to compute objects that do not exist.
func (s *Server) checkRefsExist(v any) *apiError {
	var bad string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if k != "selfLink" && k != "selfLinkWithId" {
					walk(e)
				}
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case string:
			if strings.HasPrefix(t, ComputeBase) {
				k := strings.TrimPrefix(t, ComputeBase)
				seg := strings.Split(k, "/")
				if len(seg) >= 4 && s.objects[k] == nil && bad == "" && !s.groupExists(k) && seg[len(seg)-2] != "networks" && seg[len(seg)-2] != "subnetworks" {
					for _, kind := range []string{"healthChecks", "backendServices", "urlMaps", "targetHttpProxies", "instanceTemplates",
						"backendBuckets", "sslCertificates", "targetHttpsProxies", "targetTcpProxies", "targetSslProxies", "targetGrpcProxies", "instances"} {
						if seg[len(seg)-2] == kind {
							bad = k
						}
					}
				}
			}
		}
	}
	walk(v)
	if bad != "" {
		return errf(404, "notFound", "The resource '%s' was not found", bad)
	}
	return nil
}

// groupExists reports whether an instanceGroups path belongs to a managed group.
func (s *Server) groupExists(k string) bool {
	if !strings.Contains(k, "/instanceGroups/") {
		return false
	}
	return s.objects[strings.Replace(k, "/instanceGroups/", "/instanceGroupManagers/", 1)] != nil
}

// users lists the objects referring to key (or to extra URLs of it).
func (s *Server) users(key string, urls ...string) []string {
	targets := append([]string{ComputeBase + key}, urls...)
	var out []string
	for k, o := range s.objects {
		if k == key {
			continue
		}
		if seg := strings.Split(k, "/"); len(seg) > 2 && copiesOnly[seg[len(seg)-2]] {
			continue
		}
		if strings.Contains(k, "/global/networks/") && strings.Contains(key, "/subnetworks/") {
			continue // a network lists its subnetworks (output only)
		}
		if refersTo(o.body, targets) || refersTo(o.extra, targets) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func refersTo(v any, targets []string) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if k != "selfLink" && k != "selfLinkWithId" && k != "status" && refersTo(e, targets) { // status is output only (a group's status.autoscaler does not hold the autoscaler)
				return true
			}
		}
	case []any:
		for _, e := range t {
			if refersTo(e, targets) {
				return true
			}
		}
	case string:
		return contains(targets, t)
	}
	return false
}

func (s *Server) computeDelete(q *request) (map[string]any, int, *apiError) {
	o := s.objects[q.path]
	if o == nil {
		return nil, 0, notFound(q.path)
	}
	var extra []string
	if g := str(o.body["instanceGroup"]); g != "" {
		extra = append(extra, g)
	}
	var autoSubs []string
	if strings.Contains(q.path, "/global/networks/") && o.body["autoCreateSubnetworks"] == true {
		// An auto-mode network's own subnetworks go with it.
		for _, u := range o.body["subnetworks"].([]any) {
			k := strings.TrimPrefix(str(u), ComputeBase)
			if sub := s.objects[k]; sub != nil && sub.extra["auto"] == true {
				if users := s.users(k); len(users) > 1 || (len(users) == 1 && users[0] != q.path) {
					return nil, 0, errf(400, "resourceInUseByAnotherResource", "The resource '%s' is already being used by '%s'", k, users[0])
				}
				autoSubs = append(autoSubs, k)
			}
		}
	}
	if users := s.users(q.path, extra...); len(users) > 0 && !allIn(users, autoSubs) {
		return nil, 0, errf(400, "resourceInUseByAnotherResource", "The resource '%s' is already being used by '%s'", q.path, users[0])
	}
	for _, k := range autoSubs {
		delete(s.objects, k)
	}
	if strings.Contains(q.path, "/subnetworks/") {
		if n := s.objects[strings.TrimPrefix(str(o.body["network"]), ComputeBase)]; n != nil {
			n.body["subnetworks"] = without(n.body["subnetworks"], ComputeBase+q.path)
		}
	}
	if strings.Contains(q.path, "/instances/") {
		// A deleted instance leaves the unmanaged groups it was in.
		for _, g := range s.objects {
			if m, ok := g.extra["members"].([]string); ok {
				var keep []string
				for _, e := range m {
					if e != ComputeBase+q.path {
						keep = append(keep, e)
					}
				}
				g.extra["members"] = keep
				g.body["size"] = len(keep)
			}
		}
	}
	delete(s.objects, q.path)
	return s.newComputeOp(q, "delete", q.path, str(o.body["id"])), 200, nil
}

var serverFields = []string{"id", "creationTimestamp", "selfLink", "kind", "region", "zone", "status", "currentActions", "instanceGroup", "IPAddress"}

func (s *Server) computeUpdate(q *request, kind string) (map[string]any, int, *apiError) {
	if strings.HasSuffix(q.path, "/autoscalers") {
		// Autoscalers are changed on their collection, named by the
		// `autoscaler` query parameter or else by the body's name.
		name := q.r.URL.Query().Get("autoscaler")
		if name == "" {
			name = str(q.body["name"])
		}
		q.path += "/" + name
	}
	o := s.objects[q.path]
	if o == nil {
		return nil, 0, notFound(q.path)
	}
	if fp, ok := q.body["fingerprint"].(string); ok && fp != "" && o.body["fingerprint"] != nil && !sameFingerprint(fp, str(o.body["fingerprint"])) {
		return nil, 0, staleFingerprint(q.path)
	}
	in := normalizeRefs(q.vars["project"], copyObj(q.body)).(map[string]any)
	if aerr := s.checkRefsExist(in); aerr != nil {
		return nil, 0, aerr
	}
	if kind == "update" {
		keep := map[string]any{}
		for _, f := range serverFields {
			if v, ok := o.body[f]; ok {
				keep[f] = v
			}
		}
		if v, ok := o.body["fingerprint"]; ok {
			keep["fingerprint"] = v
		}
		o.body = in
		for k, v := range keep {
			if _, set := in[k]; !set || k == "id" || k == "selfLink" || k == "kind" {
				o.body[k] = v
			}
		}
		// A full update leaves out what the server fills: it fills it again.
		if aerr := s.fillDefaults(strings.Split(q.m.ID, ".")[1], o); aerr != nil {
			return nil, 0, aerr
		}
	} else {
		mergePatch(o.body, in)
	}
	if _, ok := in["instanceTemplate"]; ok {
		if _, v := in["versions"]; !v {
			delete(o.body, "versions")
		}
	} else if _, ok := in["versions"]; ok {
		delete(o.body, "instanceTemplate")
	}
	s.bumpFingerprint(o)
	return s.newComputeOp(q, kind, q.path, str(o.body["id"])), 200, nil
}

// mergePatch applies a JSON merge patch (objects merged, the rest replaced).
func mergePatch(dst, patch map[string]any) {
	for k, v := range patch {
		if k == "fingerprint" || k == "id" || k == "selfLink" || k == "kind" {
			continue
		}
		if v == nil {
			delete(dst, k)
			continue
		}
		pm, ok := v.(map[string]any)
		dm, ok2 := dst[k].(map[string]any)
		if ok && ok2 {
			mergePatch(dm, pm)
			continue
		}
		dst[k] = v
	}
}

func (s *Server) aggregated(q *request) map[string]any {
	res := strings.Split(q.m.ID, ".")[1]
	coll := res
	project := q.vars["project"]
	items := map[string]any{}
	keys := make([]string, 0)
	for k := range s.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o := s.objects[k]
		seg := strings.Split(k, "/")
		if o.svc != "compute" || seg[0] != "projects" || seg[1] != project || len(seg) < 4 || seg[len(seg)-2] != coll {
			continue
		}
		scope, _, _ := scopeOf(k)
		sl, _ := items[scope].(map[string]any)
		if sl == nil {
			sl = map[string]any{coll: []any{}}
			items[scope] = sl
		}
		s.tick(o)
		sl[coll] = append(sl[coll].([]any), s.view(o))
	}
	out := map[string]any{"id": s.nextID(), "selfLink": ComputeBase + q.path, "items": items}
	if k := s.schemaDefaultKind(q.m, q.m.Response.Ref); k != "" {
		out["kind"] = k
	}
	return out
}

func (s *Server) locations(q *request, res, kind string) (map[string]any, int, *apiError) {
	project := q.vars["project"]
	region := func(r string) map[string]any {
		zs := []any{}
		for _, z := range Regions[r] {
			zs = append(zs, ComputeBase+"projects/"+project+"/zones/"+z)
		}
		return map[string]any{"kind": "compute#region", "id": strconv.Itoa(1000 + len(r)), "name": r, "status": "UP",
			"creationTimestamp": "1969-12-31T16:00:00.000-08:00", "description": r, "zones": zs,
			"selfLink": ComputeBase + "projects/" + project + "/regions/" + r}
	}
	zone := func(z string) map[string]any {
		return map[string]any{"kind": "compute#zone", "id": strconv.Itoa(2000 + len(z)), "name": z, "status": "UP",
			"creationTimestamp": "1969-12-31T16:00:00.000-08:00", "description": z,
			"availableCpuPlatforms": []any{"Intel Cascade Lake", "AMD Milan"}, "supportsPzs": false,
			"region":   ComputeBase + "projects/" + project + "/regions/" + zoneRegion(z),
			"selfLink": ComputeBase + "projects/" + project + "/zones/" + z}
	}
	names := make([]string, 0, len(Regions))
	for r := range Regions {
		names = append(names, r)
	}
	sort.Strings(names)
	switch {
	case res == "regions" && kind == "get":
		return region(q.vars["region"]), 200, nil
	case res == "zones" && kind == "get":
		return zone(q.vars["zone"]), 200, nil
	case res == "regions" && kind == "list":
		var items []any
		for _, r := range names {
			items = append(items, region(r))
		}
		return s.listBody(q, items), 200, nil
	case res == "zones" && kind == "list":
		var items []any
		for _, r := range names {
			for _, z := range Regions[r] {
				items = append(items, zone(z))
			}
		}
		return s.listBody(q, items), 200, nil
	}
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint", q.m.ID)
}

func allIn(a, b []string) bool {
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

func without(v any, x string) []any {
	out := []any{}
	a, _ := v.([]any)
	for _, e := range a {
		if str(e) != x {
			out = append(out, e)
		}
	}
	return out
}

// groupMembers are the instances added to an unmanaged instance group.
func groupMembers(o *object) []string {
	m, _ := o.extra["members"].([]string)
	return m
}

// imageFromFamily answers the newest image of a family in the project.
func (s *Server) imageFromFamily(q *request) (map[string]any, int, *apiError) {
	coll := q.path[:strings.Index(q.path, "/family/")]
	var best *object
	for _, o := range s.children(coll) {
		if str(o.body["family"]) == q.vars["family"] && o.body["deprecated"] == nil {
			if best == nil || str(o.body["creationTimestamp"]) >= str(best.body["creationTimestamp"]) {
				best = o
			}
		}
	}
	if best == nil {
		return nil, 0, notFound(q.path)
	}
	return s.view(best), 200, nil
}
