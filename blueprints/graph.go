package blueprints

import (
	"fmt"
	"strings"
)

// DOT renders regions as clusters, components as nodes and dependencies as
// edges from a component to what it needs first (Graphviz).
func (r *Result) DOT() string {
	var b strings.Builder
	name := ""
	if r.Blueprint != nil {
		name = r.Blueprint.Name
	}
	fmt.Fprintf(&b, "digraph %q {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n", name)
	for i, reg := range r.regionOrder() {
		comps := r.inRegion(reg)
		if reg == "" {
			for _, c := range comps {
				fmt.Fprintf(&b, "  %q [label=%q, shape=hexagon];\n", c.Key, c.Kind+"\n"+c.Name)
			}
			continue
		}
		label := reg
		if rg := r.Blueprint.Region(reg); rg != nil {
			label = fmt.Sprintf("%s (%s %s, %s)", reg, rg.Cloud, rg.Location, rg.Role)
		}
		fmt.Fprintf(&b, "  subgraph \"cluster_%d\" {\n    label=%q;\n", i, label)
		for _, c := range comps {
			fmt.Fprintf(&b, "    %q [label=%q];\n", c.Key, c.Kind+"\n"+c.Name)
		}
		b.WriteString("  }\n")
	}
	for _, c := range r.Components {
		for _, d := range c.DependsOn {
			fmt.Fprintf(&b, "  %q -> %q;\n", c.Key, d)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// Mermaid renders the same graph as a Mermaid flowchart.
func (r *Result) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	for i, c := range r.Components {
		ids[c.Key] = fmt.Sprintf("c%d", i)
	}
	node := func(c *Component) string {
		return fmt.Sprintf("%s[\"%s<br/>%s\"]", ids[c.Key], c.Kind, mermaidEscape(c.Name))
	}
	for i, reg := range r.regionOrder() {
		comps := r.inRegion(reg)
		if reg == "" {
			for _, c := range comps {
				fmt.Fprintf(&b, "  %s{{\"%s<br/>%s\"}}\n", ids[c.Key], c.Kind, mermaidEscape(c.Name))
			}
			continue
		}
		label := reg
		if rg := r.Blueprint.Region(reg); rg != nil {
			label = fmt.Sprintf("%s (%s %s, %s)", reg, rg.Cloud, rg.Location, rg.Role)
		}
		fmt.Fprintf(&b, "  subgraph r%d[\"%s\"]\n", i, mermaidEscape(label))
		for _, c := range comps {
			fmt.Fprintf(&b, "    %s\n", node(c))
		}
		b.WriteString("  end\n")
	}
	for _, c := range r.Components {
		for _, d := range c.DependsOn {
			if id, ok := ids[d]; ok {
				fmt.Fprintf(&b, "  %s --> %s\n", ids[c.Key], id)
			}
		}
	}
	return b.String()
}

func mermaidEscape(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}

// regionOrder is the declared regions, then "" for global components.
func (r *Result) regionOrder() []string {
	var out []string
	if r.Blueprint != nil {
		for _, reg := range r.Blueprint.Regions {
			out = append(out, reg.Name)
		}
	}
	return append(out, "")
}

func (r *Result) inRegion(reg string) []*Component {
	var out []*Component
	for _, c := range r.Components {
		if c.Region == reg {
			out = append(out, c)
		}
	}
	return out
}
