// Package picture turns Graphviz DOT into SVG (through the `dot` program,
// Debian package graphviz), draws drill timelines and latency charts as
// SVG directly, and lists the structure of an SVG (element ids and
// classes) for golden tests that must not depend on layout.
package picture

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// ErrNoGraphviz is returned when the dot program is not installed.
var ErrNoGraphviz = errors.New("the Graphviz `dot` program is not installed (Debian: apt-get install graphviz)")

// SVG renders DOT source with `dot -Tsvg`.
func SVG(ctx context.Context, dot string) ([]byte, error) {
	bin, err := exec.LookPath("dot")
	if err != nil {
		return nil, ErrNoGraphviz
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-Tsvg")
	cmd.Stdin = strings.NewReader(dot)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dot -Tsvg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}

// Structure lists the SVG's identified groups as "CLASS ID TITLE" lines,
// sorted: what a picture shows, independent of where the layout put it.
func Structure(svg []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	type open struct{ class, id, title string }
	var stack []*open
	var out []string
	inTitle := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse SVG: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "g":
				o := &open{}
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "class":
						o.class = a.Value
					case "id":
						o.id = a.Value
					}
				}
				stack = append(stack, o)
			case "title":
				inTitle = true
			}
		case xml.CharData:
			if inTitle && len(stack) > 0 {
				stack[len(stack)-1].title += string(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "title":
				inTitle = false
			case "g":
				if n := len(stack); n > 0 {
					o := stack[n-1]
					stack = stack[:n-1]
					if o.class != "" && o.id != "" {
						out = append(out, strings.TrimSpace(o.class+" "+o.id+" "+strings.ReplaceAll(o.title, "\n", " ")))
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
