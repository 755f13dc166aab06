package devprovider

import (
	"strings"
	"testing"
)

func TestCLIConfigNamesBothRegistries(t *testing.T) {
	c := CLIConfig("/x/plugins")
	for _, want := range []string{`"registry.terraform.io/ha-blueprints/ha" = "/x/plugins"`, `"registry.opentofu.org/ha-blueprints/ha" = "/x/plugins"`, "direct {}"} {
		if !strings.Contains(c, want) {
			t.Errorf("missing %s in:\n%s", want, c)
		}
	}
}
