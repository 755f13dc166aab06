package gcplocal

import (
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// dns models managed zones and record sets (synchronous in Cloud DNS): a
// zone starts with its SOA and NS sets and refuses delete while it holds
// other sets; names are unique per zone and type.
func (s *Server) dns(q *request) (map[string]any, int, *apiError) {
	res := strings.Split(q.m.ID, ".")[1]
	kind := q.m.Kind()
	if z := q.vars["managedZone"]; z != "" {
		s.flushChanges("projects/" + q.vars["project"] + "/managedZones/" + z)
	}
	switch res + "." + kind {
	case "changes.create", "changes.get", "changes.list":
		return s.dnsChanges(q, kind)
	case "managedZones.create":
		name := str(q.body["name"])
		key := q.path + "/" + name
		if s.objects[key] != nil {
			return nil, 0, errf(409, "alreadyExists", "The resource 'entity.managedZone' named '%s' already exists", name)
		}
		dnsName := str(q.body["dnsName"])
		if !strings.HasSuffix(dnsName, ".") {
			return nil, 0, errf(400, "invalidDnsName", "Invalid value for 'entity.managedZone.dnsName': '%s'", dnsName)
		}
		b := copyObj(q.body)
		b["kind"], b["id"], b["creationTime"] = "dns#managedZone", s.nextID(), now()
		if _, ok := b["cloudLoggingConfig"]; !ok {
			b["cloudLoggingConfig"] = map[string]any{"kind": "dns#managedZoneCloudLoggingConfig"}
		}
		ns := []any{"ns-cloud-a1.googledomains.com.", "ns-cloud-a2.googledomains.com.", "ns-cloud-a3.googledomains.com.", "ns-cloud-a4.googledomains.com."}
		b["nameServers"] = ns
		if _, ok := b["visibility"]; !ok {
			b["visibility"] = "public"
		}
		s.objects[key] = &object{key: key, svc: "dns", body: b, extra: map[string]any{}}
		for _, rr := range []map[string]any{
			{"name": dnsName, "type": "SOA", "ttl": 21600, "rrdatas": []any{"ns-cloud-a1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300"}},
			{"name": dnsName, "type": "NS", "ttl": 21600, "rrdatas": ns},
		} {
			rr["kind"] = "dns#resourceRecordSet"
			k := key + "/rrsets/" + dnsName + "/" + str(rr["type"])
			s.objects[k] = &object{key: k, svc: "dns", body: rr, extra: map[string]any{}}
		}
		return copyObj(b), 200, nil
	case "managedZones.get", "resourceRecordSets.get":
		o := s.objects[q.path]
		if o == nil {
			return nil, 0, errf(404, "notFound", "The '%s' resource named '%s' does not exist.", res, q.path[strings.LastIndex(q.path, "/")+1:])
		}
		return copyObj(o.body), 200, nil
	case "managedZones.update", "managedZones.patch":
		// Synchronous in Cloud DNS: answered with a done dns#operation
		// carrying the old and new zone.
		o := s.objects[q.path]
		if o == nil {
			return nil, 0, errf(404, "notFound", "The 'parameters.managedZone' resource named '%s' does not exist.", q.vars["managedZone"])
		}
		next := copyObj(o.body)
		if kind == "update" {
			next = copyObj(q.body)
			for _, k := range []string{"kind", "id", "creationTime", "nameServers", "cloudLoggingConfig"} {
				if _, ok := next[k]; !ok && o.body[k] != nil {
					next[k] = o.body[k]
				}
			}
		} else {
			mergePatch(next, copyObj(q.body))
		}
		if str(next["dnsName"]) != str(o.body["dnsName"]) || str(next["name"]) != str(o.body["name"]) {
			return nil, 0, errf(400, "immutableField", "Invalid value for 'entity.managedZone': name and dnsName cannot be changed")
		}
		old := o.body
		o.body = next
		return map[string]any{"kind": "dns#operation", "id": s.nextID(), "startTime": now(), "status": "done", "type": "UPDATE",
			"user":        "local@" + q.vars["project"] + ".iam.gserviceaccount.com",
			"zoneContext": map[string]any{"oldValue": copyObj(old), "newValue": copyObj(next)}}, 200, nil
	case "managedZones.list":
		items := []any{}
		for _, o := range s.children(q.path) {
			items = append(items, copyObj(o.body))
		}
		return map[string]any{"kind": "dns#managedZonesListResponse", "managedZones": items}, 200, nil
	case "managedZones.delete":
		if s.objects[q.path] == nil {
			return nil, 0, errf(404, "notFound", "The 'parameters.managedZone' resource named '%s' does not exist.", q.vars["managedZone"])
		}
		for k, o := range s.objects {
			if strings.HasPrefix(k, q.path+"/rrsets/") && str(o.body["type"]) != "SOA" && str(o.body["type"]) != "NS" {
				return nil, 0, errf(400, "containerNotEmpty", "The resource named '%s' cannot be deleted because it is not empty", q.vars["managedZone"])
			}
		}
		for k := range s.objects {
			if strings.HasPrefix(k, q.path+"/") || k == q.path {
				delete(s.objects, k)
			}
		}
		// Cloud DNS answers a zone delete 200 with an empty body (recordings).
		return nil, 200, nil
	case "resourceRecordSets.list":
		zone := strings.TrimSuffix(q.path, "/rrsets")
		if s.objects[zone] == nil {
			return nil, 0, errf(404, "notFound", "The 'parameters.managedZone' resource named '%s' does not exist.", q.vars["managedZone"])
		}
		var keys []string
		for k := range s.objects {
			if strings.HasPrefix(k, zone+"/rrsets/") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		items := []any{}
		for _, k := range keys {
			b := s.objects[k].body
			if n := q.r.URL.Query().Get("name"); n != "" && str(b["name"]) != n {
				continue
			}
			if t := q.r.URL.Query().Get("type"); t != "" && str(b["type"]) != t {
				continue
			}
			items = append(items, copyObj(b))
		}
		return map[string]any{"kind": "dns#resourceRecordSetsListResponse", "rrsets": items}, 200, nil
	case "resourceRecordSets.create":
		zone := strings.TrimSuffix(q.path, "/rrsets")
		z := s.objects[zone]
		if z == nil {
			return nil, 0, errf(404, "notFound", "The 'parameters.managedZone' resource named '%s' does not exist.", q.vars["managedZone"])
		}
		return s.putRRSet(zone, z, q.body, false)
	case "resourceRecordSets.patch":
		o := s.objects[q.path]
		if o == nil {
			return nil, 0, errf(404, "notFound", "The 'resourceRecordSet' named '%s' does not exist.", q.vars["name"])
		}
		next := copyObj(o.body)
		mergePatch(next, copyObj(q.body))
		if e := s.checkRRSet(next, "entity.rrset"); e != nil {
			return nil, 0, e
		}
		o.body = next
		return copyObj(o.body), 200, nil
	case "resourceRecordSets.delete":
		if s.objects[q.path] == nil {
			return nil, 0, errf(404, "notFound", "The 'resourceRecordSet' named '%s' does not exist.", q.vars["name"])
		}
		delete(s.objects, q.path)
		return map[string]any{}, 200, nil
	}
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}

func (s *Server) putRRSet(zone string, z *object, body map[string]any, replace bool) (map[string]any, int, *apiError) {
	name, typ := str(body["name"]), str(body["type"])
	dnsName := str(z.body["dnsName"])
	if !strings.HasSuffix(name, ".") || (name != dnsName && !strings.HasSuffix(name, "."+dnsName)) {
		return nil, 0, errf(400, "invalidRecordName", "Invalid value for 'entity.rrset.name': '%s' is not within the zone '%s'", name, dnsName)
	}
	if e := s.checkRRSet(body, "entity.rrset"); e != nil {
		return nil, 0, e
	}
	k := zone + "/rrsets/" + name + "/" + typ
	if s.objects[k] != nil && !replace {
		return nil, 0, errf(409, "alreadyExists", "The resource 'entity.rrset' named '%s (%s)' already exists", name, typ)
	}
	b := copyObj(body)
	b["kind"] = "dns#resourceRecordSet"
	s.objects[k] = &object{key: k, svc: "dns", body: b, extra: map[string]any{}}
	return copyObj(b), 200, nil
}

// checkRRSet applies Cloud DNS's rules for routing policies: a set with a
// policy carries no rrdatas of its own; health-checked external endpoints
// are addresses of the set's type and need the policy's health check,
// which must exist; geo and backup locations are regions; a primary-backup
// policy has primary targets and at least one backup.
func (s *Server) checkRRSet(rr map[string]any, field string) *apiError {
	pol, _ := rr["routingPolicy"].(map[string]any)
	if pol == nil {
		return nil
	}
	bad := func(format string, a ...any) *apiError {
		return errf(400, "invalid", "Invalid value for '%s.routingPolicy': %s", field, fmt.Sprintf(format, a...))
	}
	if r, _ := rr["rrdatas"].([]any); len(r) > 0 {
		return bad("a record set with a routing policy has no rrdatas of its own")
	}
	typ := str(rr["type"])
	external := false
	targets := func(where string, t map[string]any) *apiError {
		eps, _ := t["externalEndpoints"].([]any)
		ilbs, _ := t["internalLoadBalancers"].([]any)
		if len(eps) == 0 && len(ilbs) == 0 {
			return bad("%s has no health-checked targets", where)
		}
		for _, e := range eps {
			ip := net.ParseIP(str(e))
			if ip == nil || (typ == "A") != (ip.To4() != nil) {
				return bad("%s: %q is not an address of a %s record", where, str(e), typ)
			}
			external = true
		}
		return nil
	}
	items := func(where string, list any, needLocation bool) *apiError {
		arr, _ := list.([]any)
		if len(arr) == 0 {
			return bad("%s has no items", where)
		}
		for i, it := range arr {
			m, _ := it.(map[string]any)
			w := fmt.Sprintf("%s.items[%d]", where, i)
			if needLocation {
				if _, ok := Regions[str(m["location"])]; !ok {
					return bad("%s: location %q is not a region", w, str(m["location"]))
				}
			}
			if wt, ok := m["weight"].(float64); ok && wt < 0 {
				return bad("%s: weight must not be negative", w)
			}
			if hc, ok := m["healthCheckedTargets"].(map[string]any); ok {
				if e := targets(w+".healthCheckedTargets", hc); e != nil {
					return e
				}
			} else if r, _ := m["rrdatas"].([]any); len(r) == 0 {
				return bad("%s has neither rrdatas nor health-checked targets", w)
			}
		}
		return nil
	}
	switch {
	case pol["primaryBackup"] != nil:
		pb := mapAt(pol, "primaryBackup")
		if e := targets("primaryBackup.primaryTargets", mapAt(pb, "primaryTargets")); e != nil {
			return e
		}
		if e := items("primaryBackup.backupGeoTargets", mapAt(pb, "backupGeoTargets")["items"], true); e != nil {
			return e
		}
		if t, ok := pb["trickleTraffic"].(float64); ok && (t < 0 || t > 1) {
			return bad("trickleTraffic must be between 0 and 1")
		}
	case pol["wrr"] != nil:
		if e := items("wrr", mapAt(pol, "wrr")["items"], false); e != nil {
			return e
		}
	case pol["geo"] != nil:
		if e := items("geo", mapAt(pol, "geo")["items"], true); e != nil {
			return e
		}
	}
	hc := str(pol["healthCheck"])
	if external && hc == "" {
		return bad("external endpoints are health-checked by the policy's healthCheck, which is missing")
	}
	if hc != "" {
		key := hc
		for _, p := range []string{ComputeBase, "https://compute.googleapis.com/compute/v1/"} {
			key = strings.TrimPrefix(key, p)
		}
		if !strings.HasPrefix(key, "projects/") || !strings.Contains(key, "/healthChecks/") || s.objects[key] == nil {
			return bad("health check %q does not exist", hc)
		}
	}
	return nil
}

// flushChanges applies the zone's pending changes: a change is pending
// when created and done by the next call on its zone.
func (s *Server) flushChanges(zone string) {
	var pending []*object
	for _, o := range s.children(zone + "/changes") {
		if str(o.body["status"]) == "pending" {
			pending = append(pending, o)
		}
	}
	sort.Slice(pending, func(i, j int) bool { return intOf(pending[i].body["id"]) < intOf(pending[j].body["id"]) })
	for _, c := range pending {
		for _, d := range anyList(c.body["deletions"]) {
			delete(s.objects, zone+"/rrsets/"+str(d["name"])+"/"+str(d["type"]))
		}
		for _, a := range anyList(c.body["additions"]) {
			b := copyObj(a)
			b["kind"] = "dns#resourceRecordSet"
			k := zone + "/rrsets/" + str(a["name"]) + "/" + str(a["type"])
			s.objects[k] = &object{key: k, svc: "dns", body: b, extra: map[string]any{}}
		}
		c.body["status"] = "done"
	}
}

func anyList(v any) []map[string]any {
	arr, _ := v.([]any)
	var out []map[string]any
	for _, e := range arr {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// sameRRSet compares what a deletion must match: ttl, rrdatas and policy.
func sameRRSet(a, b map[string]any) bool {
	norm := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for _, k := range []string{"ttl", "rrdatas", "routingPolicy", "signatureRrdatas"} {
			if v, ok := m[k]; ok {
				j, _ := json.Marshal(v)
				var d any
				_ = json.Unmarshal(j, &d)
				if arr, ok := d.([]any); ok && len(arr) == 0 {
					continue
				}
				out[k] = d
			}
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func (s *Server) dnsChanges(q *request, kind string) (map[string]any, int, *apiError) {
	zone := "projects/" + q.vars["project"] + "/managedZones/" + q.vars["managedZone"]
	z := s.objects[zone]
	if z == nil {
		return nil, 0, errf(404, "notFound", "The 'parameters.managedZone' resource named '%s' does not exist.", q.vars["managedZone"])
	}
	switch kind {
	case "get":
		c := s.objects[zone+"/changes/"+q.vars["changeId"]]
		if c == nil {
			return nil, 0, errf(404, "notFound", "The 'parameters.changeId' resource named '%s' does not exist.", q.vars["changeId"])
		}
		return copyObj(c.body), 200, nil
	case "list":
		cs := s.children(zone + "/changes")
		sort.Slice(cs, func(i, j int) bool { return intOf(cs[i].body["id"]) < intOf(cs[j].body["id"]) })
		items := []any{}
		for _, c := range cs {
			items = append(items, copyObj(c.body))
		}
		return map[string]any{"kind": "dns#changesListResponse", "changes": items}, 200, nil
	}
	adds, dels := anyList(q.body["additions"]), anyList(q.body["deletions"])
	if len(adds) == 0 && len(dels) == 0 {
		return nil, 0, errf(400, "required", "The 'entity.change' resource must have at least one addition or deletion.")
	}
	dnsName := str(z.body["dnsName"])
	deleted := map[string]bool{}
	for i, d := range dels {
		k := zone + "/rrsets/" + str(d["name"]) + "/" + str(d["type"])
		o := s.objects[k]
		if o == nil {
			return nil, 0, errf(404, "notFound", "The 'entity.change.deletions[%d]' resource named '%s (%s)' does not exist.", i, str(d["name"]), str(d["type"]))
		}
		if !sameRRSet(o.body, d) {
			return nil, 0, errf(412, "conditionNotMet", "Precondition not met for 'entity.change.deletions[%d]'", i)
		}
		deleted[k] = true
	}
	for i, a := range adds {
		name := str(a["name"])
		if !strings.HasSuffix(name, ".") || (name != dnsName && !strings.HasSuffix(name, "."+dnsName)) {
			return nil, 0, errf(400, "invalidRecordName", "Invalid value for 'entity.change.additions[%d].name': '%s'", i, name)
		}
		if e := s.checkRRSet(a, fmt.Sprintf("entity.change.additions[%d]", i)); e != nil {
			return nil, 0, e
		}
		k := zone + "/rrsets/" + name + "/" + str(a["type"])
		if s.objects[k] != nil && !deleted[k] {
			return nil, 0, errf(409, "alreadyExists", "The resource 'entity.change.additions[%d]' named '%s (%s)' already exists", i, name, str(a["type"]))
		}
	}
	id := strconv.Itoa(len(s.children(zone+"/changes")) + 1)
	b := map[string]any{"kind": "dns#change", "id": id, "status": "pending", "startTime": now()}
	if len(adds) > 0 {
		b["additions"] = q.body["additions"]
	}
	if len(dels) > 0 {
		b["deletions"] = q.body["deletions"]
	}
	b = copyObj(b)
	k := zone + "/changes/" + id
	s.objects[k] = &object{key: k, svc: "dns", body: b, extra: map[string]any{}}
	return copyObj(b), 200, nil
}
