package blueprints

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// RegionType is the cty type of one entry of Result.RegionsValue.
var RegionType = cty.Object(map[string]cty.Type{
	"name":      cty.String,
	"cloud":     cty.String,
	"location":  cty.String,
	"zones":     cty.List(cty.String),
	"role":      cty.String,
	"inventory": cty.String,
})

// RegionsValue is the regions as a map from name to RegionType objects.
func (r *Result) RegionsValue() cty.Value {
	if r.Blueprint == nil || len(r.Blueprint.Regions) == 0 {
		return cty.MapValEmpty(RegionType)
	}
	m := map[string]cty.Value{}
	for _, reg := range r.Blueprint.Regions {
		m[reg.Name] = cty.ObjectVal(map[string]cty.Value{
			"name":      cty.StringVal(reg.Name),
			"cloud":     cty.StringVal(reg.Cloud),
			"location":  cty.StringVal(reg.Location),
			"zones":     stringList(regionZones(reg)),
			"role":      cty.StringVal(reg.Role),
			"inventory": cty.StringVal(reg.Inventory),
		})
	}
	return cty.MapVal(m)
}

// KindValue is the components of one kind as a map from key to KindType(kind).
func (r *Result) KindValue(kind string) (cty.Value, error) {
	m := map[string]cty.Value{}
	for _, c := range r.Components {
		if c.Kind != kind {
			continue
		}
		v, err := c.Value()
		if err != nil {
			return cty.NilVal, err
		}
		m[c.Key] = v
	}
	if len(m) == 0 {
		return cty.MapValEmpty(KindType(kind)), nil
	}
	return cty.MapVal(m), nil
}

// JSON is the expansion as indented JSON: blueprint name, regions,
// components in key order and objectives. Same input, same bytes.
func (r *Result) JSON() ([]byte, error) {
	if r.Blueprint == nil {
		return nil, fmt.Errorf("blueprint has errors: nothing to expand")
	}
	raw := func(v cty.Value) (json.RawMessage, error) {
		b, err := ctyjson.Marshal(v, v.Type())
		return json.RawMessage(b), err
	}
	regions, err := raw(r.RegionsValue())
	if err != nil {
		return nil, err
	}
	ov, err := r.Objectives.Value()
	if err != nil {
		return nil, err
	}
	obj, err := raw(ov)
	if err != nil {
		return nil, err
	}
	comps := make([]json.RawMessage, 0, len(r.Components))
	for _, c := range r.Components {
		b, err := c.MarshalJSON()
		if err != nil {
			return nil, err
		}
		comps = append(comps, b)
	}
	doc := struct {
		Blueprint   string            `json:"blueprint"`
		Description string            `json:"description"`
		Regions     json.RawMessage   `json:"regions"`
		Components  []json.RawMessage `json:"components"`
		Objectives  json.RawMessage   `json:"objectives"`
		Recovery    json.RawMessage   `json:"recovery,omitempty"`
	}{Blueprint: r.Blueprint.Name, Description: r.Blueprint.Description, Regions: regions, Components: comps, Objectives: obj}
	if r.Recovery != nil {
		rv, err := r.Recovery.Value()
		if err != nil {
			return nil, err
		}
		if doc.Recovery, err = raw(rv); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
