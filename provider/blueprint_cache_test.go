package provider

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
)

// TestCompileBlueprintFileCache: the cached compilation equals a fresh one,
// is shared between lookups, and notices a change in a file the blueprint
// reads (here description.txt through file()), not only in the blueprint.
func TestCompileBlueprintFileCache(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"functions.ha.hcl", "description.txt", "owner.tpl"} {
		b, err := os.ReadFile(filepath.Join("..", "blueprints", "testdata", "valid", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "functions.ha.hcl")
	first, diags := compileBlueprintFile(path, blueprints.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	fresh, diags := blueprints.CompileFile(path, blueprints.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !reflect.DeepEqual(first.Blueprint, fresh.Blueprint) || !reflect.DeepEqual(first.Components, fresh.Components) {
		t.Fatal("cached compilation differs from a fresh one")
	}
	if again, _ := compileBlueprintFile(path, blueprints.Options{}); again != first {
		t.Fatal("second lookup of unchanged files compiled again")
	}
	if err := os.WriteFile(filepath.Join(dir, "description.txt"), []byte("Edited."), 0o600); err != nil {
		t.Fatal(err)
	}
	changed, diags := compileBlueprintFile(path, blueprints.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !strings.HasPrefix(changed.Blueprint.Description, "Edited.") {
		t.Fatalf("edit of a file the blueprint reads not noticed: description %q", changed.Blueprint.Description)
	}
}
