package gcplocal

import (
	"sort"
	"strings"
)

func (s *Server) sql(q *request) (map[string]any, int, *apiError) {
	return nil, 0, errf(501, "notImplemented", "%s is not modelled by this endpoint yet", q.m.ID)
}

// dns models managed zones and record sets (synchronous in Cloud DNS): a
// zone starts with its SOA and NS sets and refuses delete while it holds
// other sets; names are unique per zone and type.
func (s *Server) dns(q *request) (map[string]any, int, *apiError) {
	res := strings.Split(q.m.ID, ".")[1]
	kind := q.m.Kind()
	switch res + "." + kind {
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
		ns := []any{"ns-cloud-a1.googledomains.com.", "ns-cloud-a2.googledomains.com."}
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
		return nil, 204, nil
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
		mergePatch(o.body, copyObj(q.body))
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
	k := zone + "/rrsets/" + name + "/" + typ
	if s.objects[k] != nil && !replace {
		return nil, 0, errf(409, "alreadyExists", "The resource 'entity.rrset' named '%s (%s)' already exists", name, typ)
	}
	b := copyObj(body)
	b["kind"] = "dns#resourceRecordSet"
	s.objects[k] = &object{key: k, svc: "dns", body: b, extra: map[string]any{}}
	return copyObj(b), 200, nil
}
