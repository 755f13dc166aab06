package gcplocal

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// responseQuirks are fields real GCP sends that the discovery documents lack
// (seen in ../shared/gcp-recordings); in a response they are warnings.
var responseQuirks = map[string]bool{
	"proxyHeader": true,
}

// queryQuirks are query parameters gcloud sends where the discovery document
// does not list them; real GCP accepts them, so they are warnings.
var queryQuirks = map[string]bool{
	"returnPartialSuccess": true,
}

// Problem is one contract finding at a JSON path.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
	Warning bool   `json:"warning,omitempty"`
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// checkQuery checks query parameters against the method's and the
// document's global parameters.
func checkQuery(m *Method, q url.Values) []Problem {
	var out []Problem
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := m.Parameters[k]
		if p == nil || p.Location != "query" {
			p = m.doc.Parameters[k]
		}
		if p == nil && queryQuirks[k] {
			out = append(out, Problem{Path: "?" + k, Message: "query parameter not documented for " + m.ID + " (gcloud sends it; real GCP accepts it)", Warning: true})
			continue
		}
		if p == nil {
			out = append(out, Problem{Path: "?" + k, Message: fmt.Sprintf("query parameter %q is not documented for %s", k, m.ID)})
			continue
		}
		vals := q[k]
		if len(vals) > 1 && !p.Repeated {
			out = append(out, Problem{Path: "?" + k, Message: "query parameter repeated but not documented as repeated"})
		}
		for _, v := range vals {
			if msg := checkScalarString(p.Type, p.Format, p.Enum, v); msg != "" {
				out = append(out, Problem{Path: "?" + k, Message: msg})
			}
		}
	}
	for name, p := range m.Parameters {
		if p.Location == "query" && p.Required && q.Get(name) == "" {
			out = append(out, Problem{Path: "?" + name, Message: "required query parameter missing"})
		}
	}
	return out
}

func checkScalarString(typ, format string, enum []string, v string) string {
	switch typ {
	case "integer":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Sprintf("%q is not an integer", v)
		}
	case "boolean":
		// Google's front end reads booleans case-insensitively (gcloud sends "True").
		if l := strings.ToLower(v); l != "true" && l != "false" {
			return fmt.Sprintf("%q is not a boolean", v)
		}
	case "string":
		if msg := checkStringFormat(format, v); msg != "" {
			return msg
		}
	}
	if len(enum) > 0 && !contains(enum, v) {
		return fmt.Sprintf("%q is not one of %s", v, strings.Join(enum, ", "))
	}
	return ""
}

func checkStringFormat(format, v string) string {
	switch format {
	case "int64":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Sprintf("%q is not an int64 string", v)
		}
	case "uint64":
		if _, err := strconv.ParseUint(v, 10, 64); err != nil {
			return fmt.Sprintf("%q is not a uint64 string", v)
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checker validates decoded JSON against a document's schemas.
type checker struct {
	doc      *Doc
	methodID string // for annotations.required; empty for responses
	response bool
	out      []Problem
}

func (c *checker) add(path, format string, a ...any) {
	c.out = append(c.out, Problem{Path: path, Message: fmt.Sprintf(format, a...)})
}

func (c *checker) resolve(s *Schema) *Schema {
	for i := 0; s != nil && s.Ref != "" && i < 8; i++ {
		s = c.doc.Schemas[s.Ref]
	}
	return s
}

func (c *checker) value(path string, s *Schema, v any) {
	s = c.resolve(s)
	if s == nil || v == nil {
		return
	}
	switch s.Type {
	case "object", "":
		obj, ok := v.(map[string]any)
		if !ok {
			if s.Type == "object" || s.Properties != nil {
				c.add(path, "expected an object, got %s", jsonType(v))
			}
			return
		}
		c.object(path, s, obj)
	case "array":
		arr, ok := v.([]any)
		if !ok {
			c.add(path, "expected an array, got %s", jsonType(v))
			return
		}
		for i, e := range arr {
			c.value(fmt.Sprintf("%s[%d]", path, i), s.Items, e)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			if s.Format == "int64" || s.Format == "uint64" {
				c.add(path, "int64 must be a JSON string, got %s", jsonType(v))
			} else {
				c.add(path, "expected a string, got %s", jsonType(v))
			}
			return
		}
		if msg := checkStringFormat(s.Format, str); msg != "" {
			c.add(path, "%s", msg)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			// Real GCP accepts an empty loadBalancingScheme (recordings).
			if str != "" || !strings.HasSuffix(path, "loadBalancingScheme") {
				c.add(path, "%q is not one of %s", str, strings.Join(s.Enum, ", "))
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok {
			c.add(path, "expected an integer number, got %s", jsonType(v))
			return
		}
		if f != float64(int64(f)) {
			c.add(path, "expected an integer, got %v", f)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			c.add(path, "expected a number, got %s", jsonType(v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.add(path, "expected a boolean, got %s", jsonType(v))
		}
	case "any":
	}
}

func (c *checker) object(path string, s *Schema, obj map[string]any) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := path + "." + k
		if prop, ok := s.Properties[k]; ok {
			c.value(p, prop, obj[k])
			continue
		}
		if s.AdditionalProperties != nil {
			c.value(p, s.AdditionalProperties, obj[k])
			continue
		}
		if c.response && responseQuirks[k] {
			c.out = append(c.out, Problem{Path: p, Message: "field not in the discovery document (known GCP quirk)", Warning: true})
			continue
		}
		c.add(p, "unknown field %q (schema %s)", k, s.ID)
	}
	if c.methodID != "" {
		for name, prop := range s.Properties {
			if contains(prop.Annotations.Required, c.methodID) {
				if _, ok := obj[name]; !ok {
					c.add(path+"."+name, "required field missing for %s", c.methodID)
				}
			}
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// CheckRequest validates a request body against the method's request schema.
func CheckRequest(m *Method, body any) []Problem {
	if m.Request == nil {
		if body != nil {
			return []Problem{{Path: "$", Message: m.ID + " takes no request body"}}
		}
		return nil
	}
	if body == nil {
		return []Problem{{Path: "$", Message: m.ID + " needs a " + m.Request.Ref + " body"}}
	}
	c := &checker{doc: m.doc, methodID: m.ID}
	c.value("$", &Schema{Ref: m.Request.Ref}, body)
	return c.out
}

// CheckResponse validates a response body against the method's response schema.
func CheckResponse(m *Method, body any) []Problem {
	if m.Response == nil {
		return nil
	}
	c := &checker{doc: m.doc, response: true}
	c.value("$", &Schema{Ref: m.Response.Ref}, body)
	return c.out
}
