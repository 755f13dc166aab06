package blueprints

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestNameChecksKeepTheirLengths: the blueprint-name and DNS-name checks,
// which test lengths apart from their regexps, accept exactly what the
// bounded patterns they replace accept.
func TestNameChecksKeepTheirLengths(t *testing.T) {
	bounded := map[string]struct {
		re    *regexp.Regexp
		check func(string) bool
		gen   func(*rand.Rand) string
	}{
		"blueprint name": {
			regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`), isBlueprintName,
			func(r *rand.Rand) string { return randFrom(r, "ab9-", r.IntN(24)) },
		},
		"fqdn": {
			regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`), isFQDN,
			func(r *rand.Rand) string {
				labels := make([]string, 1+r.IntN(3))
				for i := range labels {
					n := r.IntN(8)
					if r.IntN(3) == 0 {
						n = 60 + r.IntN(6) // around the 63 limit
					}
					labels[i] = randFrom(r, "ab9-", n)
				}
				return strings.Join(labels, ".")
			},
		},
	}
	r := rand.New(rand.NewPCG(16, 4))
	for what, c := range bounded {
		accepted, refused := 0, 0
		for i := 0; i < 20000; i++ {
			s := c.gen(r)
			want := c.re.MatchString(s)
			if got := c.check(s); got != want {
				t.Fatalf("%s %q: check says %v, the bounded pattern %v", what, s, got, want)
			}
			if want {
				accepted++
			} else {
				refused++
			}
		}
		if accepted < 500 || refused < 500 {
			t.Fatalf("%s: %d accepted, %d refused: the generator misses one side", what, accepted, refused)
		}
	}
}

func randFrom(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
