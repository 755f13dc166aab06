package gcplocal

import (
	"fmt"
	"strings"
)

// Managed instance groups: instances appear one per read of the group, a
// template change replaces one instance per read under a PROACTIVE update
// policy, and status.isStable stays false until all that is done.

type instance struct {
	Name     string
	Zone     string
	Template string
	Creating bool
}

func (s *Server) initGroup(q *request, o *object, region, zone string) *apiError {
	b := o.body
	project := q.vars["project"]
	// A group may be created without a template (it then creates no
	// instances until given one); a named template must exist.
	if t := currentTemplate(b); t != "" && s.objects[strings.TrimPrefix(t, ComputeBase)] == nil {
		return errf(400, "invalid", "Invalid value for field 'resource.instanceTemplate': '%s'. The referenced instance template does not exist.", t)
	}
	if _, ok := b["targetSize"]; !ok {
		b["targetSize"] = 0
	}
	if _, ok := b["baseInstanceName"]; !ok {
		b["baseInstanceName"] = str(b["name"])
	}
	scope := "zones/" + zone
	if zone == "" {
		scope = "regions/" + region
		dp, _ := b["distributionPolicy"].(map[string]any)
		if dp == nil {
			dp = map[string]any{}
			b["distributionPolicy"] = dp
		}
		if zs, _ := dp["zones"].([]any); len(zs) == 0 {
			var list []any
			for i, z := range Regions[region] {
				if i < 3 {
					list = append(list, map[string]any{"zone": ComputeBase + "projects/" + project + "/zones/" + z})
				}
			}
			dp["zones"] = list
		}
		if _, ok := dp["targetShape"]; !ok {
			dp["targetShape"] = "EVEN"
		}
	}
	if _, ok := b["updatePolicy"]; !ok {
		b["updatePolicy"] = map[string]any{"type": "OPPORTUNISTIC", "minimalAction": "REPLACE", "instanceRedistributionType": "PROACTIVE",
			"maxSurge": map[string]any{"fixed": 3, "calculated": 3}, "maxUnavailable": map[string]any{"fixed": 3, "calculated": 3}, "replacementMethod": "SUBSTITUTE"}
	}
	b["instanceGroup"] = ComputeBase + "projects/" + project + "/" + scope + "/instanceGroups/" + str(b["name"])
	o.extra["instances"] = []*instance{}
	s.groupStatus(o)
	return nil
}

func currentTemplate(b map[string]any) string {
	if vs, _ := b["versions"].([]any); len(vs) > 0 {
		if v, _ := vs[0].(map[string]any); v != nil {
			return str(v["instanceTemplate"])
		}
	}
	return str(b["instanceTemplate"])
}

func groupZones(b map[string]any) []string {
	var out []string
	if z := str(b["zone"]); z != "" {
		return []string{z[strings.LastIndex(z, "/")+1:]}
	}
	dp, _ := b["distributionPolicy"].(map[string]any)
	zs, _ := dp["zones"].([]any)
	for _, z := range zs {
		if m, _ := z.(map[string]any); m != nil {
			u := str(m["zone"])
			out = append(out, u[strings.LastIndex(u, "/")+1:])
		}
	}
	return out
}

func toInt(v any) int {
	switch t := v.(type) {
	case float64:
		return int(t)
	case int:
		return t
	}
	return 0
}

// tick advances a group one step; other kinds do not change on reads.
func (s *Server) tick(o *object) {
	insts, ok := o.extra["instances"].([]*instance)
	if !ok {
		return
	}
	b := o.body
	// An autoscaler keeps the target size within its bounds.
	for _, a := range s.objects {
		if str(a.body["target"]) == ComputeBase+o.key {
			if p, _ := a.body["autoscalingPolicy"].(map[string]any); p != nil {
				n, lo, hi := toInt(b["targetSize"]), toInt(p["minNumReplicas"]), toInt(p["maxNumReplicas"])
				if n < lo {
					n = lo
				}
				if hi > 0 && n > hi {
					n = hi
				}
				b["targetSize"] = n
			}
		}
	}
	for _, in := range insts {
		in.Creating = false
	}
	tmpl := currentTemplate(b)
	target := toInt(b["targetSize"])
	up, _ := b["updatePolicy"].(map[string]any)
	proactive := up != nil && str(up["type"]) == "PROACTIVE"
	zones := groupZones(b)
	switch {
	case len(insts) < target && len(zones) > 0 && tmpl != "":
		s.seq++
		zone := zones[len(insts)%len(zones)]
		insts = append(insts, &instance{Name: fmt.Sprintf("%s-%04x", str(b["baseInstanceName"]), s.seq%0xffff), Zone: zone, Template: tmpl, Creating: true})
	case len(insts) > target:
		insts = insts[:len(insts)-1]
	case proactive:
		for _, in := range insts {
			if in.Template != tmpl {
				in.Template, in.Creating = tmpl, true
				break
			}
		}
	}
	o.extra["instances"] = insts
	// Templates still used by instances count as references (in-use checks).
	var used []any
	for _, in := range insts {
		used = append(used, in.Template)
	}
	o.extra["templates"] = used
	s.groupStatus(o)
}

func (s *Server) groupStatus(o *object) {
	b := o.body
	insts, _ := o.extra["instances"].([]*instance)
	tmpl := currentTemplate(b)
	creating, outdated := 0, 0
	for _, in := range insts {
		if in.Creating {
			creating++
		}
		if in.Template != tmpl {
			outdated++
		}
	}
	target := toInt(b["targetSize"])
	missing := 0
	if target > len(insts) {
		missing = target - len(insts)
	}
	deleting := 0
	if len(insts) > target {
		deleting = len(insts) - target
	}
	up, _ := b["updatePolicy"].(map[string]any)
	proactive := up != nil && str(up["type"]) == "PROACTIVE"
	stable := creating == 0 && missing == 0 && deleting == 0 && (!proactive || outdated == 0)
	b["currentActions"] = map[string]any{"none": len(insts) - creating, "creating": creating + missing, "deleting": deleting,
		"abandoning": 0, "creatingWithoutRetries": 0, "recreating": 0, "refreshing": 0, "restarting": 0, "resuming": 0,
		"starting": 0, "stopping": 0, "suspending": 0, "verifying": 0}
	st := map[string]any{"isStable": stable, "versionTarget": map[string]any{"isReached": outdated == 0 && missing == 0},
		"stateful": map[string]any{"hasStatefulConfig": false, "perInstanceConfigs": map[string]any{"allEffective": true}}}
	for _, a := range s.objects {
		if str(a.body["target"]) == ComputeBase+o.key {
			st["autoscaler"] = a.body["selfLink"]
		}
	}
	b["status"] = st
}

func (s *Server) managedInstances(o *object) []any {
	insts, _ := o.extra["instances"].([]*instance)
	project := strings.Split(o.key, "/")[1]
	out := []any{}
	for i, in := range insts {
		action, status := "NONE", "RUNNING"
		if in.Creating {
			action, status = "CREATING", "PROVISIONING"
		}
		out = append(out, map[string]any{
			"instance":       ComputeBase + "projects/" + project + "/zones/" + in.Zone + "/instances/" + in.Name,
			"name":           in.Name,
			"id":             fmt.Sprint(5000000000000000000 + i),
			"instanceStatus": status,
			"currentAction":  action,
			"version":        map[string]any{"instanceTemplate": in.Template},
		})
	}
	return out
}
