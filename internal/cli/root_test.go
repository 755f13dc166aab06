package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/version"
)

// run executes the CLI in-process and returns exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

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
