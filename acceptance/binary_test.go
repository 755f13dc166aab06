package acceptance

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/devprovider"
)

// TestProviderBinaryLinksNoReflectMethod guards the binary's size and start
// memory: if any reachable function looks methods up by reflection
// (reflect.Type.Method, MethodByName with a computed name: net/rpc,
// text/template, html/template), the Go linker keeps every exported method
// of every type, and the provider doubles (146 MB before this guard, 70 MB
// with it). The linker's dependency dump names such functions.
//
// The same dump shows whether anything reads the runtime's heap profile:
// when nothing does, the linker turns allocation sampling off, which saves
// every provider process a stack walk per 512 KB allocated and the table of
// those stacks (0.5 to 1 MB resident). And the binary is static.
func TestProviderBinaryLinksNoReflectMethod(t *testing.T) {
	if testing.Short() {
		t.Skip("links the provider (about 10 s)")
	}
	bin := filepath.Join(t.TempDir(), "provider")
	cmd := exec.Command("go", "build", "-tags", devprovider.BuildTags, "-ldflags=-dumpdep", "-o", bin, ".")
	cmd.Dir = RepoRoot()
	cmd.Env = append(os.Environ(), devprovider.BuildEnv...)
	var dump bytes.Buffer
	cmd.Stderr = &dump
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v\n%.2000s", err, dump.String())
	}
	seen := map[string]bool{}
	var heapProfile []string
	lines := 0
	sc := bufio.NewScanner(&dump)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines++
		line := sc.Text()
		if i := strings.Index(line, " <ReflectMethod> "); i > 0 {
			seen[line[:i]] = true
		}
		if strings.HasSuffix(line, " -> runtime.memProfileInternal") {
			heapProfile = append(heapProfile, line)
		}
	}
	if lines < 1000 {
		t.Fatalf("the linker printed %d dependency lines; -dumpdep no longer works as this test expects", lines)
	}
	for fn := range seen {
		t.Errorf("%s is reachable and looks methods up by reflection: the linker now keeps every exported method "+
			"(find its caller in `go build -tags %s -ldflags=-dumpdep`)", fn, devprovider.BuildTags)
	}
	if len(heapProfile) > 0 {
		t.Errorf("the provider reads the runtime's heap profile (%s), which keeps allocation sampling on in every "+
			"provider process: write heap profiles from tests and benchmarks instead", strings.Join(heapProfile, "; "))
	}
	// Built as devprovider and `make build` build it, the binary links no
	// C library: no dynamic loader or libc to map and relocate per start.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	libs, _ := f.ImportedLibraries()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			libs = append(libs, "a dynamic loader (PT_INTERP)")
		}
	}
	if len(libs) > 0 {
		t.Errorf("the provider links %s: a package now needs cgo (see devprovider.BuildEnv)", strings.Join(libs, ", "))
	}
}

// TestProviderLinksNoHeavyInitialisation: Terraform starts the provider three
// to five times per command, and some packages do most of a start's work in
// their initialisation (Google Cloud's Compute protobuf descriptors; the AWS
// SDK's schema-based serializers, which build every shape of a service):
// the provider uses the Compute REST client and keeps those AWS services at
// versions without schemas (go.mod).
func TestProviderLinksNoHeavyInitialisation(t *testing.T) {
	cmd := exec.Command("go", "list", "-tags", devprovider.BuildTags, "-deps", ".")
	cmd.Dir = RepoRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	heavy := regexp.MustCompile(`^(cloud\.google\.com/go/compute/apiv1(/computepb)?|github\.com/aws/aws-sdk-go-v2/service/(backup|elasticache|iam|kms|sns)/schemas)$`)
	pkgs := strings.Fields(string(out))
	if len(pkgs) < 500 {
		t.Fatalf("go list printed %d packages: not the provider's dependencies", len(pkgs))
	}
	for _, p := range pkgs {
		if heavy.MatchString(p) {
			t.Errorf("the provider links %s, whose initialisation runs at every provider start (see go.mod and docs/guides/performance.md)", p)
		}
	}
}
