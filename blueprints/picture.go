package blueprints

import (
	"fmt"
	"strings"
)

// Picture is the graph drawn for people (blueprint graph --format svg):
// regions as boxes with their role, each component as a node, data copies
// (replicas, backup copies, bucket and cache copies) as dashed arrows from
// the copy's source, DNS names with numbered arrows to the regions' entry
// points in failover order, and dependencies as thin grey arrows. Every
// element has a stable id (region_NAME, the component key with [^a-z0-9]
// replaced by _, copy_N, dns_N, dep_N), which the SVG keeps.
func (r *Result) Picture() string {
	var b strings.Builder
	name := ""
	if r.Blueprint != nil {
		name = r.Blueprint.Name
	}
	fmt.Fprintf(&b, "digraph %q {\n  id=%q;\n  rankdir=LR;\n  compound=true;\n  fontname=\"Helvetica\";\n", name, "blueprint_"+name)
	b.WriteString("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\", fontsize=10];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	for _, reg := range r.regionOrder() {
		comps := r.inRegion(reg)
		if reg == "" {
			for _, c := range comps {
				fmt.Fprintf(&b, "  %q [id=%q, label=%q, shape=hexagon, fillcolor=\"#fff4d6\"];\n", c.Key, PictureID(c.Key), kindLabel(c))
			}
			continue
		}
		label, color := reg, "#f2f2f2"
		if rg := r.Blueprint.Region(reg); rg != nil {
			label = fmt.Sprintf("%s\n%s %s, %s", reg, rg.Cloud, rg.Location, rg.Role)
			switch rg.Role {
			case RolePrimary:
				color = "#e3f1e3"
			case RoleLost:
				color = "#f6dddd"
			}
		}
		fmt.Fprintf(&b, "  subgraph %q {\n    id=%q;\n    label=%q;\n    style=\"rounded,filled\";\n    fillcolor=%q;\n", "cluster_"+reg, "region_"+reg, label, color)
		for _, c := range comps {
			fmt.Fprintf(&b, "    %q [id=%q, label=%q%s];\n", c.Key, PictureID(c.Key), kindLabel(c), kindStyle(c))
		}
		b.WriteString("  }\n")
	}
	copies, dns, deps := 0, 0, 0
	edge := func(from, to, attrs string, n *int, prefix string) {
		*n++
		fmt.Fprintf(&b, "  %q -> %q [id=\"%s_%d\"%s];\n", from, to, prefix, *n, attrs)
	}
	isCopy := map[[2]string]bool{}
	for _, c := range r.Components {
		for _, cp := range dataCopies(c) {
			isCopy[[2]string{cp[0], cp[1]}] = true
			edge(cp[0], cp[1], `, style=dashed, color="#1f77b4", fontcolor="#1f77b4", label="copy"`, &copies, "copy")
		}
		if f := c.DNSFailover; f != nil {
			for i, t := range f.Targets {
				to := t.LoadBalancer
				if to == "" {
					to = t.HostAllocation
				}
				if to == "" {
					continue
				}
				edge(c.Key, to, fmt.Sprintf(`, color="#d62728", fontcolor="#d62728", label="%d"`, i+1), &dns, "dns")
			}
		}
	}
	for _, c := range r.Components {
		if c.DNSFailover != nil {
			continue
		}
		for _, d := range c.DependsOn {
			if isCopy[[2]string{d, c.Key}] || isCopy[[2]string{c.Key, d}] {
				continue
			}
			edge(c.Key, d, `, color="#9a9a9a", arrowsize=0.6`, &deps, "dep")
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// PictureID is a component key as an SVG element id.
func PictureID(key string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(key) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func kindLabel(c *Component) string {
	detail := c.Name
	switch {
	case c.DatabaseReplica != nil && c.DatabaseReplica.Promote:
		detail += "\n(promoted)"
	case c.Cache != nil && c.Cache.Role != "":
		detail += "\n(" + c.Cache.Role + ")"
	case c.ObjectStore != nil && c.ObjectStore.Role != "":
		detail += "\n(" + c.ObjectStore.Role + ")"
	case c.DNSFailover != nil:
		detail = c.DNSFailover.FQDN + "\n" + c.DNSFailover.Backend + ", ttl " + fmt.Sprint(c.DNSFailover.TTL) + "s"
	}
	return strings.ReplaceAll(c.Kind, "_", " ") + "\n" + detail
}

func kindStyle(c *Component) string {
	switch c.Kind {
	case KindDatabase, KindDatabaseReplica, KindCache, KindObjectStore:
		return `, shape=cylinder, fillcolor="#e8f0fb"`
	case KindBackupPlan:
		return `, shape=folder, fillcolor="#f4ecfb"`
	case KindAlerts:
		return `, shape=note, fillcolor="#fdf2e6"`
	}
	return ""
}

// dataCopies are the (source, copy) pairs a component stands for.
func dataCopies(c *Component) [][2]string {
	switch {
	case c.DatabaseReplica != nil && !c.DatabaseReplica.Promote:
		return [][2]string{{c.DatabaseReplica.Source, c.Key}}
	case c.Cache != nil && c.Cache.Primary != "" && c.Cache.Replication == "global_datastore":
		return [][2]string{{c.Cache.Primary, c.Key}}
	case c.ObjectStore != nil && c.ObjectStore.CopyTo != "":
		return [][2]string{{c.Key, c.ObjectStore.CopyTo}}
	}
	return nil
}
