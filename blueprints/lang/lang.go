// Package lang is the machinery shared by the HCL languages of this project
// (blueprints and inventories): parsing either syntax, the duration and size
// literals, and printing diagnostics as FILE:LINE:COL.
package lang

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Parser wraps hclparse.Parser so that every file parsed stays available for
// printing source snippets in diagnostics.
type Parser struct {
	p *hclparse.Parser
	// sources are files read by a language's own fast path, kept only for
	// their bytes (diagnostic snippets); they have no syntax tree.
	sources map[string]*hcl.File
}

// NewParser returns an empty parser.
func NewParser() *Parser { return &Parser{p: hclparse.NewParser()} }

// ParseFile parses src as JSON when name ends in .json, HCL native syntax otherwise.
func (p *Parser) ParseFile(name string, src []byte) (*hcl.File, hcl.Diagnostics) {
	if strings.HasSuffix(name, ".json") {
		return p.p.ParseJSON(src, name)
	}
	if _, seen := p.p.Files()[name]; !seen {
		if f := parseChunked(name, src); f != nil {
			p.p.AddFile(name, f)
			return f, nil
		}
	}
	return p.p.ParseHCL(src, name)
}

// AddSource records the text of a file that was read without the HCL
// parser, so that diagnostics about it still show source lines. Files then
// lists it with an empty body.
func (p *Parser) AddSource(name string, src []byte) {
	if p.sources == nil {
		p.sources = map[string]*hcl.File{}
	}
	p.sources[name] = &hcl.File{Body: hcl.EmptyBody(), Bytes: src}
}

// Files returns every parsed file by name, for diagnostic snippets.
func (p *Parser) Files() map[string]*hcl.File {
	if len(p.sources) == 0 {
		return p.p.Files()
	}
	out := map[string]*hcl.File{}
	for n, f := range p.sources {
		out[n] = f
	}
	for n, f := range p.p.Files() {
		out[n] = f
	}
	return out
}

// ParseDuration reads "90s", "5m", "2h", "35d" (days) and combinations Go
// accepts ("1h30m"). Negative durations are errors.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var d time.Duration
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n > 100000 {
			return 0, fmt.Errorf("invalid duration %q: want a number of days such as \"35d\"", s)
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else {
		var err error
		d, err = time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: want a number and a unit such as \"10s\", \"5m\", \"2h\" or \"35d\"", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}
	return d, nil
}

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// ParseSize reads "256GiB", "512MiB", "1TB" into bytes.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, u := range sizeUnits {
		if !strings.HasSuffix(s, u.suffix) {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), 64)
		if err != nil || n < 0 || math.IsNaN(n) || n*u.mult > math.MaxInt64/2 {
			break
		}
		return int64(n * u.mult), nil
	}
	return 0, fmt.Errorf("invalid size %q: want a number and a unit such as \"256GiB\", \"512MiB\" or \"1TB\"", s)
}

// WriteDiagnostics prints each diagnostic as
//
//	FILE:LINE:COL: error: SUMMARY
//	  DETAIL
//	  the source line
//
// which editors and CI logs turn into links.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) error {
	for _, d := range diags {
		if _, err := io.WriteString(w, FormatDiagnostic(files, d)); err != nil {
			return err
		}
	}
	return nil
}

// FormatDiagnostic renders one diagnostic as WriteDiagnostics does.
func FormatDiagnostic(files map[string]*hcl.File, d *hcl.Diagnostic) string {
	var b strings.Builder
	sev := "error"
	if d.Severity == hcl.DiagWarning {
		sev = "warning"
	}
	if d.Subject != nil {
		fmt.Fprintf(&b, "%s:%d:%d: %s: %s\n", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, sev, d.Summary)
	} else {
		fmt.Fprintf(&b, "%s: %s\n", sev, d.Summary)
	}
	if d.Detail != "" {
		for _, line := range strings.Split(d.Detail, "\n") {
			fmt.Fprintf(&b, "  %s\n", line)
		}
	}
	if line := SourceLine(files, d.Subject); line != "" {
		fmt.Fprintf(&b, "  | %s\n", line)
	}
	return b.String()
}

// SourceLine returns the text of the first line of rng, or "" when unknown.
func SourceLine(files map[string]*hcl.File, rng *hcl.Range) string {
	if rng == nil || files == nil {
		return ""
	}
	f := files[rng.Filename]
	if f == nil || rng.Start.Line < 1 {
		return ""
	}
	// Walk to the line rather than splitting the file: an inventory of
	// thousands of hosts can have thousands of warnings.
	b, line := f.Bytes, 1
	for line < rng.Start.Line {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return ""
		}
		b, line = b[i+1:], line+1
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return strings.TrimRight(string(b), "\r")
}
