// Package lazyregexp holds regular expressions compiled on first use rather
// than when the program starts.
//
// Why: Terraform starts the provider three to five times per command, and a
// regular expression in a package variable is compiled at each start, for
// checks (of a blueprint, a schedule, a Cloud SQL tier) most commands never
// run. Compiling them at start was most of what this provider's own packages
// allocated before the first call.
package lazyregexp

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled the first time it is used.
type Regexp struct {
	expr string
	re   func() *regexp.Regexp
}

// New is expr, to compile on first use; an invalid expression panics then,
// as regexp.MustCompile would at start. TestEveryExpressionCompiles
// compiles every expression given to New in the module's source.
func New(expr string) *Regexp {
	return &Regexp{expr: expr, re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// Compiled is the compiled expression.
func (r *Regexp) Compiled() *regexp.Regexp { return r.re() }

// MatchString is regexp.Regexp.MatchString.
func (r *Regexp) MatchString(s string) bool { return r.re().MatchString(s) }

// FindStringSubmatch is regexp.Regexp.FindStringSubmatch.
func (r *Regexp) FindStringSubmatch(s string) []string { return r.re().FindStringSubmatch(s) }

// ReplaceAllString is regexp.Regexp.ReplaceAllString.
func (r *Regexp) ReplaceAllString(src, repl string) string { return r.re().ReplaceAllString(src, repl) }

// String is the expression's source text.
func (r *Regexp) String() string { return r.expr }
