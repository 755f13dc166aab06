package blueprints

import (
	"fmt"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/lazyregexp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

func attrs(names ...string) []hcl.AttributeSchema {
	out := make([]hcl.AttributeSchema, len(names))
	for i, n := range names {
		out[i] = hcl.AttributeSchema{Name: n}
	}
	return out
}

func required(s []hcl.AttributeSchema, names ...string) []hcl.AttributeSchema {
	for i := range s {
		for _, n := range names {
			if s[i].Name == n {
				s[i].Required = true
			}
		}
	}
	return s
}

var (
	rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "blueprint", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "objectives"},
		{Type: "region", LabelNames: []string{"name"}},
		{Type: "tier", LabelNames: []string{"name"}},
		{Type: "database", LabelNames: []string{"name"}},
		{Type: "dns", LabelNames: []string{"fqdn"}},
		{Type: "cache", LabelNames: []string{"name"}},
		{Type: "object_store", LabelNames: []string{"name"}},
		{Type: "alerts"},
	}}
	blueprintSchema  = &hcl.BodySchema{Attributes: attrs("description")}
	variableSchema   = &hcl.BodySchema{Attributes: attrs("type", "default", "description", "sensitive"), Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}}}
	validationSchema = &hcl.BodySchema{Attributes: required(attrs("condition", "error_message"), "condition", "error_message")}
	objectivesSchema = &hcl.BodySchema{Attributes: attrs("rto", "rpo")}
	regionSchema     = &hcl.BodySchema{Attributes: required(attrs("cloud", "location", "zones", "role", "inventory"), "cloud")}
	tierSchema       = &hcl.BodySchema{
		Attributes: attrs("description", "image", "instance_type", "regions", "spread", "tolerate",
			"allow_single_instance", "grace_period", "min_healthy_percent", "tags", "uses"),
		Blocks: []hcl.BlockHeaderSchema{{Type: "capacity"}, {Type: "scale_on"}, {Type: "load_balancer"}, {Type: "require"}},
	}
	capacitySchema     = &hcl.BodySchema{Attributes: required(attrs("min", "desired", "max"), "min", "max")}
	scaleOnSchema      = &hcl.BodySchema{Attributes: required(attrs("cpu_percent"), "cpu_percent")}
	requireSchema      = &hcl.BodySchema{Attributes: attrs("cpus", "memory")}
	loadBalancerSchema = &hcl.BodySchema{Attributes: attrs("layer", "vip", "advert"), Blocks: []hcl.BlockHeaderSchema{{Type: "listener"}, {Type: "health_check"}}}
	listenerSchema     = &hcl.BodySchema{Attributes: required(attrs("port", "protocol"), "port")}
	lbHealthSchema     = &hcl.BodySchema{Attributes: attrs("protocol", "port", "path", "interval", "timeout", "healthy", "unhealthy", "matcher")}
	databaseSchema     = &hcl.BodySchema{
		Attributes: required(attrs("description", "region", "engine", "version", "instance_class", "storage", "multi_az", "deletion_protection", "hosts", "primary"),
			"engine", "version"),
		Blocks: []hcl.BlockHeaderSchema{{Type: "replication"}, {Type: "backup"}},
	}
	replicationSchema = &hcl.BodySchema{Attributes: attrs("mode", "replicas", "cross_region", "regions", "max_lag")}
	backupSchema      = &hcl.BodySchema{Attributes: required(attrs("schedule", "retain", "copy_to", "encrypted"), "schedule", "retain")}
	dnsSchema         = &hcl.BodySchema{
		Attributes: required(attrs("zone", "ttl", "to", "backend"), "zone", "to"),
		Blocks:     []hcl.BlockHeaderSchema{{Type: "failover"}, {Type: "weighted"}},
	}
	failoverSchema  = &hcl.BodySchema{Attributes: attrs("order"), Blocks: []hcl.BlockHeaderSchema{{Type: "health_check"}}}
	weightedSchema  = &hcl.BodySchema{Attributes: required(attrs("weights"), "weights"), Blocks: []hcl.BlockHeaderSchema{{Type: "health_check"}}}
	dnsHealthSchema = &hcl.BodySchema{Attributes: attrs("protocol", "port", "path", "interval", "threshold")}
)

// decode reads the whole body in phases: labels (so references can be
// checked), variables, locals, then everything else.
func (c *compiler) decode(body hcl.Body) *Blueprint {
	content, diags := body.Content(rootSchema)
	c.diags = append(c.diags, diags...)
	if content == nil {
		return nil
	}
	bp := &Blueprint{regions: map[string]*Region{}, tiers: map[string]*Tier{}}
	c.regionNames, c.tierNames, c.databaseNames = map[string]bool{}, map[string]bool{}, map[string]bool{}
	c.varNames, c.localNames, c.sensitive = map[string]bool{}, map[string]bool{}, map[string]bool{}
	c.cacheNames, c.objectStoreNames = map[string]bool{}, map[string]bool{}

	// Phase 1: names, duplicates, the blueprint block.
	first := map[string]*hcl.Block{}
	var bpBlock, objBlock, alertsBlock *hcl.Block
	for _, b := range content.Blocks {
		switch b.Type {
		case "blueprint":
			if bpBlock != nil {
				c.errorf(&b.DefRange, "Duplicate blueprint block", "A file describes one blueprint; the first blueprint block is at %s.", bpBlock.DefRange.String())
				continue
			}
			bpBlock = b
			continue
		case "objectives":
			if objBlock != nil {
				c.errorf(&b.DefRange, "Duplicate objectives block", "Only one objectives block is allowed; the first is at %s.", objBlock.DefRange.String())
				continue
			}
			objBlock = b
			continue
		case "alerts":
			if alertsBlock != nil {
				c.errorf(&b.DefRange, "Duplicate alerts block", "Only one alerts block is allowed; the first is at %s.", alertsBlock.DefRange.String())
				continue
			}
			alertsBlock = b
			continue
		case "locals":
			continue
		}
		label := b.Labels[0]
		rng := b.LabelRanges[0]
		if b.Type == "dns" {
			if !isFQDN(label) {
				c.errorf(&rng, "Invalid DNS name", "%q is not a fully qualified domain name such as \"shop.example.com\".", label)
			}
		} else if !hclsyntax.ValidIdentifier(label) {
			c.errorf(&rng, "Invalid "+b.Type+" name", "%q is not a valid name: use letters, digits, underscores and dashes, starting with a letter.", label)
		}
		k := b.Type + "\x00" + label
		if f, dup := first[k]; dup {
			c.errorf(&rng, "Duplicate "+b.Type+" "+fmt.Sprintf("%q", label), "A %s named %q is already declared at %s.", b.Type, label, f.DefRange.String())
			continue
		}
		first[k] = b
		switch b.Type {
		case "region":
			c.regionNames[label] = true
		case "tier":
			c.tierNames[label] = true
		case "database":
			c.databaseNames[label] = true
		case "variable":
			c.varNames[label] = true
		case "cache":
			c.cacheNames[label] = true
		case "object_store":
			c.objectStoreNames[label] = true
		}
	}
	if bpBlock == nil {
		rng := hcl.Range{Filename: c.file, Start: hcl.InitialPos, End: hcl.InitialPos}
		if sb, ok := body.(*hclsyntax.Body); ok {
			rng = hcl.Range{Filename: c.file, Start: sb.SrcRange.Start, End: sb.SrcRange.Start}
		}
		c.errorf(&rng, "Missing blueprint block", "A blueprint file needs one `blueprint \"NAME\" { }` block; its name prefixes every physical name.")
		return nil
	}
	bp.Name = bpBlock.Labels[0]
	bp.DefRange = bpBlock.DefRange
	if !isBlueprintName(bp.Name) {
		c.errorf(&bpBlock.LabelRanges[0], "Invalid blueprint name", "%q must be lower-case letters, digits and dashes, start with a letter and be at most 20 characters: it starts every physical name.", bp.Name)
	}
	c.ctx.Variables["region"] = nameObject(c.regionNames)
	c.ctx.Variables["tier"] = nameObject(c.tierNames)
	c.ctx.Variables["database"] = nameObject(c.databaseNames)
	c.ctx.Variables["cache"] = nameObject(c.cacheNames)
	c.ctx.Variables["object_store"] = nameObject(c.objectStoreNames)

	// Phase 2: variables.
	vars := map[string]cty.Value{}
	for _, b := range content.Blocks {
		if b.Type == "variable" && first["variable\x00"+b.Labels[0]] == b {
			if v := c.decodeVariable(b); v != nil {
				bp.Variables = append(bp.Variables, v)
				vars[v.Name] = v.Value
			} else {
				// Reported already; references to it are skipped quietly.
				vars[b.Labels[0]] = cty.DynamicVal
			}
		}
	}
	for _, name := range sortedKeys(c.opts.Variables) {
		if !c.varNames[name] {
			c.errorf(nil, "Value for undeclared variable", "A value was given for variable %q, which the blueprint does not declare.", name)
		}
	}
	for _, name := range sortedKeys(c.opts.RawVariables) {
		if !c.varNames[name] {
			if _, dup := c.opts.Variables[name]; !dup {
				c.errorf(nil, "Value for undeclared variable", "A value was given for variable %q, which the blueprint does not declare.", name)
			}
		}
	}
	c.ctx.Variables["var"] = cty.ObjectVal(vars)

	// Phase 3: locals, in the order of their references.
	c.decodeLocals(content.Blocks)

	// Phase 4: the rest.
	r := c.read(bpBlock.Body, blueprintSchema, bpBlock.DefRange)
	bp.Description = r.str("description", "")
	if objBlock != nil {
		bp.Objectives = c.decodeObjectives(objBlock)
	}
	if alertsBlock != nil {
		bp.Alerts = c.decodeAlerts(alertsBlock)
	}
	for _, b := range content.Blocks {
		if len(b.Labels) == 0 || first[b.Type+"\x00"+b.Labels[0]] != b {
			continue
		}
		switch b.Type {
		case "region":
			reg := c.decodeRegion(b)
			bp.Regions = append(bp.Regions, reg)
			bp.regions[reg.Name] = reg
		case "tier":
			t := c.decodeTier(b)
			bp.Tiers = append(bp.Tiers, t)
			bp.tiers[t.Name] = t
		case "database":
			bp.Databases = append(bp.Databases, c.decodeDatabase(b))
		case "dns":
			bp.DNS = append(bp.DNS, c.decodeDNS(b))
		case "cache":
			bp.Caches = append(bp.Caches, c.decodeCache(b))
		case "object_store":
			bp.ObjectStores = append(bp.ObjectStores, c.decodeObjectStore(b))
		}
	}
	return bp
}

var (
	// Lengths are checked apart: a regexp's {0,61} compiles to 61 copies,
	// at every process start.
	blueprintNameRe = lazyregexp.New(`^[a-z][a-z0-9-]*$`)
	fqdnRe          = lazyregexp.New(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$`)
)

// isBlueprintName: lower-case letters, digits and dashes, starting with a
// letter, at most 20 characters.
func isBlueprintName(s string) bool { return len(s) <= 20 && blueprintNameRe.MatchString(s) }

// isFQDN: dot-separated labels of at most 63 characters, the last one
// starting with a letter.
func isFQDN(s string) bool {
	if !fqdnRe.MatchString(s) {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) > 63 {
			return false
		}
	}
	return true
}

// nameObject is what region.X, tier.X and database.X evaluate to: the name.
func nameObject(names map[string]bool) cty.Value {
	m := make(map[string]cty.Value, len(names))
	for n := range names {
		m[n] = cty.StringVal(n)
	}
	return cty.ObjectVal(m)
}

func (c *compiler) decodeVariable(b *hcl.Block) *Variable {
	name := b.Labels[0]
	r := c.read(b.Body, variableSchema, b.DefRange)
	v := &Variable{Name: name, Type: cty.DynamicPseudoType, ranges: r.ranges}
	var defaults *typeexpr.Defaults
	if a, ok := r.content.Attributes["type"]; ok {
		ty, defs, diags := typeexpr.TypeConstraintWithDefaults(a.Expr)
		c.diags = append(c.diags, diags...)
		if diags.HasErrors() {
			return nil
		}
		v.Type, defaults = ty, defs
	}
	v.Sensitive = r.boolean("sensitive", false)
	c.sensitive[name] = v.Sensitive
	_ = r.str("description", "")
	given, have := c.opts.Variables[name]
	var givenRng *hcl.Range
	if raw, ok := c.opts.RawVariables[name]; ok && !have {
		given, have = c.rawVariable(name, raw, v.Type)
		if !have {
			return nil
		}
	}
	if !have {
		a, ok := r.content.Attributes["default"]
		if !ok {
			c.errorf(&b.DefRange, "No value for required variable", "Variable %q has no default, so a value must be given (a `variables` entry in Terraform, -var %s=VALUE on the command line).", name, name)
			return nil
		}
		dv, diags := a.Expr.Value(&hcl.EvalContext{Functions: c.ctx.Functions})
		c.diags = append(c.diags, diags...)
		if diags.HasErrors() {
			return nil
		}
		given = dv
		rng := a.Expr.Range()
		givenRng = &rng
	}
	if defaults != nil {
		given = defaults.Apply(given)
	}
	cv, err := convert.Convert(given, v.Type)
	if err != nil {
		rng := givenRng
		if rng == nil {
			rng = &b.DefRange
		}
		c.errorf(rng, "Invalid value for variable", "Variable %q: %s.", name, err.Error())
		return nil
	}
	if !cv.IsWhollyKnown() {
		c.errorf(&b.DefRange, "Unknown value for variable", "Variable %q must be known when the blueprint is compiled.", name)
		return nil
	}
	v.Value = cv
	for _, vb := range r.blocks("validation") {
		c.checkValidation(name, cv, vb)
	}
	return v
}

// rawVariable turns command-line text into a value of type ty.
func (c *compiler) rawVariable(name, raw string, ty cty.Type) (cty.Value, bool) {
	if ty == cty.String || ty == cty.DynamicPseudoType {
		return cty.StringVal(raw), true
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), "-var "+name, hcl.InitialPos)
	if !diags.HasErrors() {
		var v cty.Value
		v, diags = expr.Value(&hcl.EvalContext{Functions: c.ctx.Functions})
		if !diags.HasErrors() {
			return v, true
		}
	}
	if ty.IsPrimitiveType() {
		// "-var count=3" must work even if the text does not parse as HCL.
		return cty.StringVal(raw), true
	}
	c.errorf(nil, "Invalid value for variable", "Variable %q: %q is not a valid %s expression: %s", name, raw, typeexpr.TypeString(ty), diags.Error())
	return cty.NilVal, false
}

func (c *compiler) checkValidation(name string, val cty.Value, b *hcl.Block) {
	r := c.read(b.Body, validationSchema, b.DefRange)
	a, ok := r.content.Attributes["condition"]
	if !ok {
		return
	}
	for _, t := range a.Expr.Variables() {
		if t.RootName() != "var" || len(t) < 2 {
			rng := t.SourceRange()
			c.errorf(&rng, "Invalid validation condition", "A validation condition may only refer to var.%s.", name)
			return
		}
		if attr, ok := t[1].(hcl.TraverseAttr); !ok || attr.Name != name {
			rng := t.SourceRange()
			c.errorf(&rng, "Invalid validation condition", "A validation condition may only refer to var.%s.", name)
			return
		}
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(map[string]cty.Value{name: val})},
		Functions: c.ctx.Functions,
	}
	cond, diags := a.Expr.Value(ctx)
	c.diags = append(c.diags, diags...)
	if diags.HasErrors() {
		return
	}
	cond, err := convert.Convert(cond, cty.Bool)
	rng := a.Expr.Range()
	if err != nil || cond.IsNull() || !cond.IsKnown() {
		c.errorf(&rng, "Invalid validation condition", "The condition must be true or false.")
		return
	}
	msg := "The value is not valid."
	if ma, ok := r.content.Attributes["error_message"]; ok {
		mv, diags := ma.Expr.Value(ctx)
		if !diags.HasErrors() {
			if s, err := convertString(mv); err == nil {
				msg = s
			}
		}
	}
	if cond.False() {
		c.errorf(&b.DefRange, "Invalid value for variable", "Variable %q: %s\n(validation rule at %s)", name, msg, rng.String())
	}
}

func convertString(v cty.Value) (string, error) {
	v, _ = v.Unmark()
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() {
		return "", fmt.Errorf("expected a string")
	}
	return s.AsString(), nil
}

// decodeLocals evaluates every local in the order of its references.
func (c *compiler) decodeLocals(blocks hcl.Blocks) {
	type local struct {
		attr *hcl.Attribute
		deps []string
	}
	pending := map[string]*local{}
	var order []string
	for _, b := range blocks {
		if b.Type != "locals" {
			continue
		}
		as, diags := b.Body.JustAttributes()
		c.diags = append(c.diags, diags...)
		for _, name := range sortedKeys(as) {
			a := as[name]
			if _, dup := pending[name]; dup {
				c.errorf(&a.NameRange, "Duplicate local value", "A local value named %q is already declared at %s.", name, pending[name].attr.NameRange.String())
				continue
			}
			l := &local{attr: a}
			for _, t := range a.Expr.Variables() {
				if t.RootName() != "local" || len(t) < 2 {
					continue
				}
				if s, ok := t[1].(hcl.TraverseAttr); ok {
					l.deps = append(l.deps, s.Name)
				}
			}
			pending[name] = l
			order = append(order, name)
			c.localNames[name] = true
		}
	}
	values := map[string]cty.Value{}
	c.ctx.Variables["local"] = cty.ObjectVal(values)
	for len(pending) > 0 {
		progress := false
		for _, name := range order {
			l, ok := pending[name]
			if !ok {
				continue
			}
			ready := true
			for _, d := range l.deps {
				if _, waiting := pending[d]; waiting {
					ready = false
					break
				}
			}
			if !ready {
				continue
			}
			delete(pending, name)
			progress = true
			v, ok := c.eval(l.attr.Expr, cty.DynamicPseudoType, "local."+name)
			if !ok {
				// Failed (reported) or null: either way later uses stay quiet.
				v = cty.DynamicVal
				if !c.diags.HasErrors() {
					v = cty.NullVal(cty.DynamicPseudoType)
				}
			}
			values[name] = v
			c.ctx.Variables["local"] = cty.ObjectVal(values)
		}
		if !progress {
			for _, name := range order {
				if l, ok := pending[name]; ok {
					c.errorf(&l.attr.NameRange, "Cycle in local values", "local.%s depends on itself through %s.", name, strings.Join(prefixAll("local.", l.deps), ", "))
					values[name] = cty.DynamicVal
				}
			}
			c.ctx.Variables["local"] = cty.ObjectVal(values)
			return
		}
	}
}

func prefixAll(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

func (c *compiler) decodeObjectives(b *hcl.Block) *ObjectivesSpec {
	r := c.read(b.Body, objectivesSchema, b.DefRange)
	o := &ObjectivesSpec{ranges: r.ranges}
	o.RTO = r.duration("rto", 0)
	o.RPO = r.duration("rpo", 0)
	return o
}

func (c *compiler) decodeRegion(b *hcl.Block) *Region {
	r := c.read(b.Body, regionSchema, b.DefRange)
	reg := &Region{Name: b.Labels[0], ranges: r.ranges}
	reg.Cloud = r.str("cloud", "")
	reg.Location = r.str("location", "")
	reg.Zones = r.strList("zones")
	reg.Role = r.str("role", RoleStandby)
	reg.Inventory = r.str("inventory", "")
	return reg
}

func (c *compiler) decodeTier(b *hcl.Block) *Tier {
	r := c.read(b.Body, tierSchema, b.DefRange)
	t := &Tier{Name: b.Labels[0], ranges: r.ranges}
	_ = r.str("description", "")
	t.Image = r.perCloud("image")
	t.InstanceType = r.perCloud("instance_type")
	t.Regions = r.strList("regions")
	t.Spread = r.strList("spread")
	t.Tolerate = r.strList("tolerate")
	t.AllowSingleInstance = r.boolean("allow_single_instance", false)
	t.GracePeriod = r.duration("grace_period", 300*time.Second)
	t.MinHealthyPercent = r.integer("min_healthy_percent", 90, 0, 100)
	t.Tags = r.strMap("tags")
	t.Uses = r.strList("uses")
	t.Min, t.Desired, t.Max = 2, 2, 2
	if cb := r.block("capacity"); cb != nil {
		cr := c.read(cb.Body, capacitySchema, cb.DefRange)
		t.capacity = cr.ranges
		t.Min = cr.integer("min", 2, 0, 10000)
		t.Max = cr.integer("max", t.Min, 0, 10000)
		t.Desired = cr.integer("desired", t.Min, 0, 10000)
	} else {
		t.capacity = ranges{Def: b.DefRange}
	}
	if sb := r.block("scale_on"); sb != nil {
		sr := c.read(sb.Body, scaleOnSchema, sb.DefRange)
		t.CPUPercent = sr.integer("cpu_percent", 0, 1, 100)
	}
	t.RequireCPUs, t.RequireMemoryGiB = 1, 1
	if qb := r.block("require"); qb != nil {
		qr := c.read(qb.Body, requireSchema, qb.DefRange)
		t.RequireCPUs = qr.integer("cpus", 1, 1, 4096)
		t.RequireMemoryGiB = qr.sizeGiB("memory", 1)
	}
	if lb := r.block("load_balancer"); lb != nil {
		t.LoadBalancer = c.decodeLoadBalancer(lb)
	}
	return t
}

func (c *compiler) decodeLoadBalancer(b *hcl.Block) *LoadBalancerSpec {
	r := c.read(b.Body, loadBalancerSchema, b.DefRange)
	lb := &LoadBalancerSpec{ranges: r.ranges}
	lb.Layer = r.integer("layer", 7, 0, 1000)
	lb.VIP = r.perRegion("vip")
	lb.Advert = secs(r.duration("advert", time.Second))
	if lb.Advert < 1 || lb.Advert > 255 {
		c.errorf(r.ranges.At("advert"), "Invalid value for advert", "The VRRP advert interval is 1s to 255s, not %ds.", lb.Advert)
	}
	if lb.Layer != 4 && lb.Layer != 7 {
		c.errorf(r.ranges.At("layer"), "Invalid value for layer", "A load balancer works at layer 7 (HTTP) or layer 4 (TCP), not %d.", lb.Layer)
	}
	defProto := "HTTP"
	if lb.Layer == 4 {
		defProto = "TCP"
	}
	for _, lb2 := range r.blocks("listener") {
		lr := c.read(lb2.Body, listenerSchema, lb2.DefRange)
		l := Listener{Port: lr.integer("port", 80, 1, 65535), Protocol: strings.ToUpper(lr.str("protocol", defProto))}
		switch lb.Layer {
		case 7:
			lr.oneOf("protocol", l.Protocol, "HTTP", "HTTPS")
		case 4:
			lr.oneOf("protocol", l.Protocol, "TCP", "UDP", "TLS", "TCP_UDP")
		}
		lb.Listeners = append(lb.Listeners, l)
	}
	if len(lb.Listeners) == 0 {
		lb.Listeners = []Listener{{Port: 80, Protocol: defProto}}
		if lb.Layer == 4 {
			lb.Listeners[0].Protocol = "TCP"
		}
	}
	hcProto := "HTTP"
	if lb.Layer == 4 {
		hcProto = "TCP"
	}
	hc := HealthCheck{Protocol: hcProto, Port: lb.Listeners[0].Port, Interval: 30, Timeout: 5, HealthyThreshold: 3, UnhealthyThreshold: 3}
	if hcProto == "HTTP" {
		hc.Path, hc.Matcher = "/", "200"
	}
	lb.healthCheck = ranges{Def: b.DefRange}
	if hb := r.block("health_check"); hb != nil {
		hr := c.read(hb.Body, lbHealthSchema, hb.DefRange)
		lb.healthCheck = hr.ranges
		hc.Protocol = strings.ToUpper(hr.str("protocol", hc.Protocol))
		hr.oneOf("protocol", hc.Protocol, "HTTP", "HTTPS", "TCP")
		hc.Port = hr.integer("port", hc.Port, 1, 65535)
		hc.Path = hr.str("path", hc.Path)
		hc.Interval = secs(hr.duration("interval", time.Duration(hc.Interval)*time.Second))
		hc.Timeout = secs(hr.duration("timeout", time.Duration(hc.Timeout)*time.Second))
		hc.HealthyThreshold = hr.integer("healthy", hc.HealthyThreshold, 0, 1000)
		hc.UnhealthyThreshold = hr.integer("unhealthy", hc.UnhealthyThreshold, 0, 1000)
		hc.Matcher = hr.str("matcher", hc.Matcher)
		if hc.Protocol == "TCP" {
			hc.Path, hc.Matcher = "", ""
		}
	}
	lb.HealthCheck = hc
	return lb
}

// secs rounds a duration up to whole seconds.
func secs(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

func (c *compiler) decodeDatabase(b *hcl.Block) *DatabaseSpec {
	r := c.read(b.Body, databaseSchema, b.DefRange)
	d := &DatabaseSpec{Name: b.Labels[0], ranges: r.ranges}
	_ = r.str("description", "")
	d.Region = r.str("region", "")
	d.Engine = r.str("engine", "")
	d.Version = r.str("version", "")
	d.InstanceClass = r.perCloud("instance_class")
	d.StorageGiB = r.sizeGiB("storage", 20)
	d.MultiAZ = r.boolean("multi_az", true)
	d.DeletionProtection = r.boolean("deletion_protection", false)
	d.Hosts = r.integer("hosts", 3, 1, 9)
	d.Primary = r.str("primary", "")
	d.Replication = ReplicationSpec{Mode: "async", ranges: ranges{Def: b.DefRange}}
	if rb := r.block("replication"); rb != nil {
		rr := c.read(rb.Body, replicationSchema, rb.DefRange)
		d.Replication.ranges = rr.ranges
		d.Replication.Mode = rr.str("mode", "async")
		rr.oneOf("mode", d.Replication.Mode, "async", "sync")
		d.Replication.Replicas = rr.integer("replicas", 0, 0, 15)
		d.Replication.CrossRegion = rr.boolean("cross_region", false)
		d.Replication.Regions = rr.strList("regions")
		d.Replication.MaxLag, d.Replication.MaxLagBytes = rr.maxLag()
	}
	if bb := r.block("backup"); bb != nil {
		br := c.read(bb.Body, backupSchema, bb.DefRange)
		bk := &BackupSpec{ranges: br.ranges}
		bk.Schedule = br.str("schedule", "")
		bk.Retain = br.duration("retain", -1) // -1: missing or invalid, reported
		bk.CopyTo = br.strList("copy_to")
		bk.Encrypted = br.boolean("encrypted", true)
		if bk.Schedule != "" {
			cron, every, err := parseSchedule(bk.Schedule)
			if err != nil {
				c.errorf(br.ranges.At("schedule"), "Invalid backup schedule", "%s", err.Error())
			}
			bk.Cron, bk.Interval = cron, every
		}
		d.Backup = bk
	}
	return d
}

func (c *compiler) decodeDNS(b *hcl.Block) *DNSSpec {
	r := c.read(b.Body, dnsSchema, b.DefRange)
	d := &DNSSpec{FQDN: b.Labels[0], ranges: r.ranges, Mode: "failover"}
	d.Zone = strings.TrimSuffix(r.str("zone", ""), ".")
	d.TTL = r.integer("ttl", 60, 0, 86400)
	if d.Backend = r.str("backend", ""); d.Backend != "" {
		r.oneOf("backend", d.Backend, "route53", "powerdns", "clouddns")
	}
	if a, ok := r.content.Attributes["to"]; ok {
		rng := a.Expr.Range()
		// tier.web as a traversal (native syntax, or "tier.web" in JSON);
		// anything else is evaluated and must name a tier.
		if t, diags := hcl.AbsTraversalForExpr(a.Expr); !diags.HasErrors() {
			if attr, ok := traversalName(t); ok && t.RootName() == "tier" {
				d.Tier = attr
			} else {
				c.errorf(&rng, "Invalid value for to", "A DNS name sends traffic to a tier: write to = tier.NAME.")
			}
		} else {
			d.Tier = r.str("to", "")
		}
		if d.Tier != "" && !c.tierNames[d.Tier] {
			c.errorf(&rng, "Reference to undeclared tier", "No tier named %q is declared in this blueprint.%s", d.Tier, suggest(d.Tier, c.tierNames))
			d.Tier = ""
		}
	}
	d.HealthCheck = DNSHealthCheck{Interval: 30, Threshold: 3}
	fb, wb := r.block("failover"), r.block("weighted")
	if fb != nil && wb != nil {
		c.errorf(&wb.DefRange, "Conflicting DNS modes", "A DNS name is either failover or weighted; this one has both blocks (failover at %s).", fb.DefRange.String())
	}
	var hb *hcl.Block
	switch {
	case fb != nil:
		fr := c.read(fb.Body, failoverSchema, fb.DefRange)
		d.failover = fr.ranges
		d.Order = fr.strList("order")
		hb = fr.block("health_check")
	case wb != nil:
		d.Mode = "weighted"
		wr := c.read(wb.Body, weightedSchema, wb.DefRange)
		d.failover = wr.ranges
		if v, ok := wr.value("weights", cty.Map(cty.Number)); ok {
			d.Weights = map[string]int{}
			for _, k := range sortedKeys(v.AsValueMap()) {
				if !c.regionNames[k] {
					c.errorf(wr.ranges.At("weights"), "Reference to undeclared region", "weights names region %q, which is not declared.%s", k, suggest(k, c.regionNames))
					continue
				}
				e := v.AsValueMap()[k]
				if e.IsNull() {
					continue
				}
				d.Weights[k] = c.toInt(e, wr.ranges.At("weights"), "weights", 0, 0, 255)
				d.Order = append(d.Order, k)
			}
		}
		hb = wr.block("health_check")
	default:
		d.failover = ranges{Def: b.DefRange}
	}
	d.healthCheck = ranges{Def: b.DefRange}
	if hb != nil {
		hr := c.read(hb.Body, dnsHealthSchema, hb.DefRange)
		d.healthCheck = hr.ranges
		d.HealthCheck.Protocol = strings.ToUpper(hr.str("protocol", ""))
		if d.HealthCheck.Protocol != "" {
			hr.oneOf("protocol", d.HealthCheck.Protocol, "HTTP", "HTTPS", "TCP")
		}
		d.HealthCheck.Port = hr.integer("port", 0, 1, 65535)
		d.HealthCheck.Path = hr.str("path", "")
		d.HealthCheck.Interval = secs(hr.duration("interval", 30*time.Second))
		d.HealthCheck.Threshold = hr.integer("threshold", 3, 0, 1000)
	}
	return d
}

var _ = hclparse.NewParser

// traversalName is NAME in a two-step traversal ROOT.NAME.
func traversalName(t hcl.Traversal) (string, bool) {
	if len(t) != 2 {
		return "", false
	}
	a, ok := t[1].(hcl.TraverseAttr)
	return a.Name, ok
}
