package lang

import (
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	cases := []struct {
		name  string
		known []string
		want  string
	}{
		{"wets", []string{"east", "west"}, `"west"`},
		{"zzzzzz", []string{"east", "west"}, ""},
		{"eu", []string{"us", "ea"}, `"ea"`}, // a tie at distance 1: the alphabetically first
		{"eu", []string{"ea", "us"}, `"ea"`}, // whatever the order given
		{strings.Repeat("x", 70), []string{strings.Repeat("x", 70)}, ""},
	}
	for _, c := range cases {
		got := Suggest(c.name, c.known)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("Suggest(%q, %v) = %q, want %s", c.name, c.known, got, c.want)
		}
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance = %d", d)
	}
}
