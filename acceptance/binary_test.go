package acceptance

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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

// TestProviderOwnPackagesInitialiseLittle: what this module's packages
// allocate before a provider process's first call is paid at every start
// and stays live all along (regular expressions compiled in package
// variables, types built by reflection). Such values are built on first
// use instead (internal/lazyregexp, sync.OnceValue). The Go runtime's
// inittrace reports each package's initialisation.
func TestProviderOwnPackagesInitialiseLittle(t *testing.T) {
	bin := filepath.Join(providerBuild(t), devprovider.Binary)
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
	// init PKG @T ms, C ms clock, B bytes, N allocs
	line := regexp.MustCompile(`(?m)^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs$`)
	const module = "github.com/ha-blueprints/terraform-provider-ha"
	var all, own int
	var biggest string
	var biggestBytes int
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		all++
		if m[1] != module && !strings.HasPrefix(m[1], module+"/") {
			continue
		}
		b, _ := strconv.Atoi(m[2])
		own += b
		if b > biggestBytes {
			biggest, biggestBytes = m[1], b
		}
	}
	if all < 100 {
		t.Fatalf("inittrace reported %d packages:\n%s", all, out)
	}
	// 304 KB before the lazy values; 53 KB with them.
	if own > 128<<10 {
		t.Errorf("this module's packages allocate %d KB at every provider start (the most: %s, %d KB); build such values on first use",
			own>>10, biggest, biggestBytes>>10)
	}
	t.Logf("this module's packages allocate %d KB at start (the most: %s, %d KB)", own>>10, biggest, biggestBytes>>10)
}
