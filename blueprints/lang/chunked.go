package lang

import (
	"runtime"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Large files (a data centre's inventory of 10,000 hosts is about 3 MB) are
// parsed in pieces: hclsyntax lexes a whole file into one token slice (about
// 100 bytes per token) that it grows by copying, which costs more time and
// memory than the parse itself. Splitting the body of each large top-level
// block at its item boundaries and parsing the pieces separately (and in
// parallel) gives the same syntax tree, with every range pointing into the
// original file, at a fraction of the peak memory. Whenever the quick
// splitter is unsure (heredocs, template interpolation in strings, unbalanced
// brackets) or any piece fails to parse, the whole file is parsed the usual
// way, so diagnostics for broken files are unchanged.
const (
	chunkedMinFile = 512 << 10 // files below this size are parsed whole
	chunkTarget    = 16 << 10  // bytes per piece
)

// parseChunked returns nil when the file must be parsed whole.
func parseChunked(name string, src []byte) *hcl.File {
	if len(src) < chunkedMinFile {
		return nil
	}
	top, ok := scanItems(src, 0, false)
	if !ok {
		return nil
	}
	type bigBlock struct {
		open, close int      // offsets of the body's braces
		pieces      [][2]int // byte ranges of the body's items, grouped
	}
	var bigs []bigBlock
	for _, it := range top {
		if it[1]-it[0] < chunkTarget {
			continue
		}
		open := blockOpen(src, it[0], it[1])
		if open < 0 {
			continue
		}
		// The body's items start on the line after the opening brace.
		start := open + 1
		for start < len(src) && (src[start] == ' ' || src[start] == '\t' || src[start] == '\r') {
			start++
		}
		if start >= len(src) || src[start] != '\n' {
			continue
		}
		start++
		items, ok := scanItems(src, start, true)
		if !ok || len(items) == 0 {
			return nil
		}
		close := items[len(items)-1][1]
		items = items[:len(items)-1] // the last "item" ends at the closing brace
		bb := bigBlock{open: open, close: close}
		for i := 0; i < len(items); {
			j, size := i, 0
			for j < len(items) && (size == 0 || size+items[j][1]-items[j][0] <= chunkTarget) {
				size += items[j][1] - items[j][0]
				j++
			}
			bb.pieces = append(bb.pieces, [2]int{items[i][0], items[j-1][1]})
			i = j
		}
		bigs = append(bigs, bb)
	}
	if len(bigs) == 0 {
		return nil
	}

	// The outline: the file with every piece blanked out (newlines kept, so
	// every position after a piece stays where it was).
	outline := make([]byte, len(src))
	copy(outline, src)
	type job struct {
		from, to int
		pos      hcl.Pos
		body     *hclsyntax.Body
		diags    hcl.Diagnostics
	}
	var jobs []*job
	line, at := 1, 0
	lineAt := func(off int) int {
		for ; at < off; at++ {
			if src[at] == '\n' {
				line++
			}
		}
		return line
	}
	for _, bb := range bigs {
		for _, pc := range bb.pieces {
			jobs = append(jobs, &job{from: pc[0], to: pc[1], pos: hcl.Pos{Line: lineAt(pc[0]), Column: 1, Byte: pc[0]}})
			for i := pc[0]; i < pc[1]; i++ {
				if c := outline[i]; c != '\n' && c != '\r' {
					outline[i] = ' '
				}
			}
			// As one comment, the blanked lines are one token rather than
			// one per line; the comment keeps the line count.
			if pc[1]-pc[0] >= 6 && src[pc[1]-1] == '\n' && src[pc[1]-2] != '\r' {
				outline[pc[0]], outline[pc[0]+1] = '/', '*'
				outline[pc[1]-3], outline[pc[1]-2] = '*', '/'
			}
		}
	}

	var wg sync.WaitGroup
	work := make(chan *job)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				f, diags := hclsyntax.ParseConfig(src[j.from:j.to], name, j.pos)
				j.diags = diags
				if f != nil {
					j.body, _ = f.Body.(*hclsyntax.Body)
				}
			}
		}()
	}
	var outlineFile *hcl.File
	var outlineDiags hcl.Diagnostics
	wg.Add(1)
	go func() {
		defer wg.Done()
		outlineFile, outlineDiags = hclsyntax.ParseConfig(outline, name, hcl.InitialPos)
	}()
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	if len(outlineDiags) > 0 || outlineFile == nil {
		return nil
	}
	root, ok := outlineFile.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	next := 0
	for _, bb := range bigs {
		var target *hclsyntax.Block
		for _, b := range root.Blocks {
			if b.OpenBraceRange.Start.Byte == bb.open && b.CloseBraceRange.Start.Byte == bb.close {
				target = b
			}
		}
		if target == nil || len(target.Body.Blocks) > 0 || len(target.Body.Attributes) > 0 {
			return nil
		}
		attrs := hclsyntax.Attributes{}
		var blocks hclsyntax.Blocks
		for range bb.pieces {
			j := jobs[next]
			next++
			if len(j.diags) > 0 || j.body == nil {
				return nil
			}
			for n, a := range j.body.Attributes {
				if _, dup := attrs[n]; dup {
					return nil // let the whole-file parse report it
				}
				attrs[n] = a
			}
			blocks = append(blocks, j.body.Blocks...)
		}
		target.Body.Attributes = attrs
		target.Body.Blocks = blocks
	}
	return &hcl.File{Body: root, Bytes: src, Nav: outlineFile.Nav}
}

// blockOpen returns the offset of the opening brace of a block header in
// src[from:to], or -1 when the item is not a block (an attribute).
func blockOpen(src []byte, from, to int) int {
	for i := from; i < to; i++ {
		switch src[i] {
		case '=', '(', '[', '"', '#', '/', '<', '\n':
			if src[i] == '"' {
				// A quoted label: skip it.
				j := i + 1
				for j < to && src[j] != '"' {
					if src[j] == '\\' || src[j] == '$' || src[j] == '%' {
						return -1
					}
					j++
				}
				i = j
				continue
			}
			return -1
		case '{':
			return i
		}
	}
	return -1
}

// scanItems splits the body starting at from into its items: byte ranges
// each ending just after the newline that ends an item. With inBlock, the
// scan stops at the body's closing brace and the last range returned is
// [start of the closing line, offset of the brace]. It reports false
// whenever it cannot be sure of the structure.
func scanItems(src []byte, from int, inBlock bool) ([][2]int, bool) {
	var items [][2]int
	depth, start := 0, from
	blank := true // nothing but blanks since start
	for i := from; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			if depth == 0 {
				if !blank {
					items = append(items, [2]int{start, i + 1})
					start = i + 1
				}
				blank = true
			}
			continue
		case c == ' ' || c == '\t' || c == '\r':
			continue
		case c == '#' || (c == '/' && i+1 < len(src) && src[i+1] == '/'):
			for i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := indexFrom(src, i+2, "*/")
			if end < 0 {
				return nil, false
			}
			for k := i; k < end; k++ {
				if src[k] == '\n' {
					return nil, false // keep it simple: no multi-line comments
				}
			}
			i = end + 1
			continue
		case c == '"':
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				switch src[j] {
				case '\\':
					j++
				case '\n':
					return nil, false
				case '{':
					if src[j-1] == '$' || src[j-1] == '%' {
						return nil, false // template interpolation
					}
				}
			}
			if j >= len(src) {
				return nil, false
			}
			i = j
		case c == '<' && i+1 < len(src) && src[i+1] == '<':
			return nil, false // heredoc
		case c == '{' || c == '(' || c == '[':
			depth++
		case c == '}' || c == ')' || c == ']':
			if depth == 0 {
				if inBlock && c == '}' && blank {
					return append(items, [2]int{start, i}), true
				}
				return nil, false
			}
			depth--
		}
		blank = false
	}
	if inBlock || depth != 0 {
		return nil, false
	}
	if !blank {
		items = append(items, [2]int{start, len(src)})
	}
	return items, true
}

func indexFrom(src []byte, from int, sep string) int {
	for i := from; i+len(sep) <= len(src); i++ {
		if string(src[i:i+len(sep)]) == sep {
			return i
		}
	}
	return -1
}
