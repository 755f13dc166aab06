package backend

import (
	"context"
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	ctx, w := WithWarnings(context.Background())
	Warn(ctx, "first", "one")
	Warn(ctx, "second", "two")
	got := w.List()
	if len(got) != 2 || got[0] != (Warning{"first", "one"}) || got[1] != (Warning{"second", "two"}) {
		t.Errorf("List() = %+v", got)
	}
	// Without a collector a warning goes to the logger rather than nowhere.
	var logged []string
	Warn(WithLogger(context.Background(), func(m string) { logged = append(logged, m) }), "lost", "detail")
	if len(logged) != 1 || !strings.Contains(logged[0], "lost: detail") {
		t.Errorf("logged %q", logged)
	}
	var none *Warnings
	if none.List() != nil {
		t.Error("nil collector lists something")
	}
}
