package cli

import (
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/version"
)

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != 0 || !strings.Contains(out, version.Version) || !strings.HasPrefix(out, "terraform-provider-ha ") {
		t.Fatalf("version: code %d, out %q", code, out)
	}
}

func TestUnknownCommandExits2(t *testing.T) {
	code, _, errOut := run(t, "no-such-command")
	if code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}
