package gcplocal

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Module is the Go module whose discovery documents are the contract; its
// version is the one pinned in go.mod.
const Module = "google.golang.org/api"

// DocFiles are the discovery documents served, relative to the module root.
var DocFiles = []string{
	"compute/v1/compute-api.json",
	"sqladmin/v1beta4/sqladmin-api.json",
	"sqladmin/v1/sqladmin-api.json",
	"dns/v1/dns-api.json",
}

// Schema is the subset of a discovery JSON schema the checker reads.
type Schema struct {
	ID                   string             `json:"id"`
	Type                 string             `json:"type"`
	Ref                  string             `json:"$ref"`
	Format               string             `json:"format"`
	Enum                 []string           `json:"enum"`
	Properties           map[string]*Schema `json:"properties"`
	Items                *Schema            `json:"items"`
	AdditionalProperties *Schema            `json:"additionalProperties"`
	Annotations          struct {
		Required []string `json:"required"`
	} `json:"annotations"`
	ReadOnly bool `json:"readOnly"`
	Default  any  `json:"default"`
}

// Param is a method or global parameter.
type Param struct {
	Type     string   `json:"type"`
	Location string   `json:"location"`
	Required bool     `json:"required"`
	Repeated bool     `json:"repeated"`
	Enum     []string `json:"enum"`
	Format   string   `json:"format"`
}

// Method is one documented REST method.
type Method struct {
	ID         string            `json:"id"`
	Path       string            `json:"path"`
	FlatPath   string            `json:"flatPath"`
	HTTPMethod string            `json:"httpMethod"`
	Parameters map[string]*Param `json:"parameters"`
	Request    *struct {
		Ref string `json:"$ref"`
	} `json:"request"`
	Response *struct {
		Ref string `json:"$ref"`
	} `json:"response"`

	doc      *Doc
	segments []string // full path template split on '/'
}

type resource struct {
	Methods   map[string]*Method   `json:"methods"`
	Resources map[string]*resource `json:"resources"`
}

// Doc is one parsed discovery document.
type Doc struct {
	Name        string             `json:"name"`
	Version     string             `json:"version"`
	ServicePath string             `json:"servicePath"`
	BatchPath   string             `json:"batchPath"` // "batch/compute/v1"; Cloud SQL's and Cloud DNS's "batch"
	Parameters  map[string]*Param  `json:"parameters"`
	Schemas     map[string]*Schema `json:"schemas"`
	Resources   map[string]*resource
	Methods     []*Method
}

// Contract is every served discovery document's methods.
type Contract struct {
	Docs    []*Doc
	Methods []*Method
	ByID    map[string]*Method
	// BatchPaths are the documents' batch paths, without the leading '/'.
	BatchPaths map[string]bool
}

// ModuleDir finds the pinned google.golang.org/api in the module cache (the
// version go.mod names), downloading it if needed. dir is any directory in
// this repository.
func ModuleDir(dir string) (string, error) {
	var m struct{ Dir, Version string }
	for _, args := range [][]string{
		{"list", "-m", "-json", Module},
		{"mod", "download", "-json", Module},
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			continue
		}
		if err := json.Unmarshal(out, &m); err == nil && m.Dir != "" {
			return m.Dir, nil
		}
	}
	return "", fmt.Errorf("locate %s in the module cache from %s: run `go mod download %s`", Module, dir, Module)
}

// LoadContract reads the discovery documents under the module root dir.
func LoadContract(dir string) (*Contract, error) {
	c := &Contract{ByID: map[string]*Method{}, BatchPaths: map[string]bool{}}
	for _, f := range DocFiles {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("discovery document: %w", err)
		}
		d, err := parseDoc(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		c.Docs = append(c.Docs, d)
		if d.BatchPath != "" {
			c.BatchPaths[d.BatchPath] = true
		}
		for _, m := range d.Methods {
			c.Methods = append(c.Methods, m)
			c.ByID[m.ID+"@"+d.Version] = m
			if _, ok := c.ByID[m.ID]; !ok {
				c.ByID[m.ID] = m
			}
		}
	}
	return c, nil
}

func parseDoc(b []byte) (*Doc, error) {
	var raw struct {
		Doc
		Resources map[string]*resource `json:"resources"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	d := raw.Doc
	d.Resources = raw.Resources
	var walk func(map[string]*resource)
	walk = func(rs map[string]*resource) {
		names := make([]string, 0, len(rs))
		for n := range rs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			r := rs[n]
			for _, m := range r.Methods {
				p := m.FlatPath
				if p == "" {
					p = m.Path
				}
				m.doc = &d
				m.segments = strings.Split(d.ServicePath+p, "/")
				d.Methods = append(d.Methods, m)
			}
			walk(r.Resources)
		}
	}
	walk(d.Resources)
	if len(d.Methods) == 0 {
		return nil, errors.New("no methods")
	}
	return &d, nil
}

// Doc returns the document a method belongs to.
func (m *Method) Doc() *Doc { return m.doc }

// Kind is the method's last ID part: insert, get, list, promoteReplica...
func (m *Method) Kind() string { return m.ID[strings.LastIndex(m.ID, ".")+1:] }

// match binds the path's segments to the method's template; ok false when
// it does not fit. literal counts fixed segments matched (specificity).
func (m *Method) match(method string, segs []string) (vars map[string]string, literal int, ok bool) {
	if m.HTTPMethod != method {
		return nil, 0, false
	}
	vars = map[string]string{}
	for i, t := range m.segments {
		if strings.HasPrefix(t, "{+") {
			if i >= len(segs) {
				return nil, 0, false
			}
			vars[strings.Trim(t, "{+}")] = strings.Join(segs[i:], "/")
			return vars, literal, true
		}
		if i >= len(segs) {
			return nil, 0, false
		}
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if segs[i] == "" {
				return nil, 0, false
			}
			vars[strings.Trim(t, "{}")] = segs[i]
			continue
		}
		if t != segs[i] {
			return nil, 0, false
		}
		literal++
	}
	if len(segs) != len(m.segments) {
		return nil, 0, false
	}
	return vars, literal, true
}

// Route finds the one documented method for an HTTP method and URL path.
func (c *Contract) Route(method, path string) (*Method, map[string]string, error) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var best []*Method
	var bestVars map[string]string
	bestLit := -1
	for _, m := range c.Methods {
		vars, lit, ok := m.match(method, segs)
		if !ok {
			continue
		}
		switch {
		case lit > bestLit:
			best, bestVars, bestLit = []*Method{m}, vars, lit
		case lit == bestLit:
			best = append(best, m)
		}
	}
	switch len(best) {
	case 0:
		return nil, nil, fmt.Errorf("%s %s matches no documented method", method, path)
	case 1:
		return best[0], bestVars, nil
	}
	ids := make([]string, len(best))
	for i, m := range best {
		ids[i] = m.ID
	}
	return nil, nil, fmt.Errorf("%s %s matches several documented methods: %s", method, path, strings.Join(ids, ", "))
}
