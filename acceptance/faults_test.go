package acceptance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	route53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/datasweep"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/sweep"
)

// faultDefaults is what CI runs: one fixed seed, 30 % of calls faulted,
// 20 ms added to every call, at most 4 faults in a row per operation (the
// transient faults these tests are about; the operation keys hold random
// object ids, so without a cap a run of 9, more than the SDK's attempts,
// came up now and then). HA_FAULT_RATE, HA_FAULT_SEED and
// HA_FAULT_LATENCY change them (bench/faults sweeps the rate).
var faultDefaults = services.FaultOptions{Rate: 0.3, Seed: 1, Latency: 20 * time.Millisecond, MaxStreak: 4}

// stackConfig is a root module applying one blueprint through modules/stack.
func stackConfig(bpPath string) string {
	return stackRoot(bpPath, acceptanceArgs, "")
}

// faultRun is one blueprint applied through a fault front.
type faultRun struct {
	Blueprint string
	Stats     services.FaultStats
	Applies   int
	Objects   []string // what the endpoint holds after the apply, normalised
	Left      []string // what it holds after destroy
	Wall      time.Duration
}

// applyUnderFaults applies the blueprint text (its name replaced by a fresh
// one) through modules/stack with the CLI's AWS calls going through a fault
// front, lists what the endpoint holds (directly, not through the front),
// checks the next plan is empty, destroys under the same faults and lists
// what is left. A second apply is allowed only to continue the first.
func applyUnderFaults(t *testing.T, blueprintText, oldName string, opts services.FaultOptions) faultRun {
	t.Helper()
	name := "fl" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	text := strings.ReplaceAll(blueprintText, oldName, name)
	dir := t.TempDir()
	bpPath := filepath.Join(dir, "bp.ha.hcl")
	if err := os.WriteFile(bpPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sweepAll(t, name); sweepServices(t, name) })
	backing := os.Getenv("HA_AWS_ENDPOINT")
	proxy, err := services.StartFaultProxy(backing, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proxy.Close() }()
	tf := newCLI(t, CLIs(t)[0], dir, stackConfig(bpPath))
	tf.env = append(tf.env, "HA_AWS_ENDPOINT="+proxy.URL)

	return convergeUnderFaults(t, tf, proxy, opts, name, func() []string { return endpointObjects(t, name) })
}

// convergeUnderFaults applies (a second apply may only continue the first),
// lists what the endpoint holds with objects, requires an empty plan,
// destroys, lists again and logs the figures bench/faults reads.
func convergeUnderFaults(t *testing.T, tf *cliRun, proxy *services.FaultProxy, opts services.FaultOptions, name string, objects func() []string) faultRun {
	t.Helper()
	run := faultRun{Blueprint: name}
	started := time.Now()
	for run.Applies < 2 {
		run.Applies++
		out, err := tf.try("apply", "-auto-approve", "-input=false")
		if err == nil {
			break
		}
		if run.Applies == 2 {
			t.Fatalf("second apply under faults failed:\n%s", tail(out, 60))
		}
		t.Logf("first apply under faults failed, continuing with a second:\n%s", tail(out, 40))
	}
	run.Wall = time.Since(started)
	run.Stats = proxy.Stats()
	run.Objects = objects()
	if len(run.Objects) == 0 {
		t.Fatal("the endpoint holds nothing of the test after the apply")
	}
	tf.planEmpty()
	tf.destroy()
	run.Left = objects()
	t.Logf("%s at %.0f%% faults (seed %d): %s; applies %d; %d objects; %d left after destroy; %.1fs",
		name, opts.Rate*100, opts.Seed, run.Stats, run.Applies, len(run.Objects), len(run.Left), run.Wall.Seconds())
	return run
}

var (
	r53ID     = regexp.MustCompile(`Route 53 (health check|hosted zone) \S+`)
	stampLike = regexp.MustCompile(`\d{8,}`)
	uuidLike  = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
)

// endpointObjects lists every object of the blueprint in the endpoint,
// through the SDK straight to it, with the blueprint's name and the ids the
// endpoint makes up replaced, so two applies of one blueprint compare equal.
func endpointObjects(t *testing.T, blueprint string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := awsTestSession()
	var out []string
	left, err := sweep.Leftovers(ctx, s, objectLocations, blueprint)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, left...)
	data, err := datasweep.Find(ctx, s, objectLocations, blueprint)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range data {
		out = append(out, d.String())
	}
	recs, err := zoneRecords(ctx, s, blueprint)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, recs...)
	svc, err := serviceObjects(ctx, s, objectLocations, blueprint)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, svc...)
	for i, o := range out {
		o = strings.ReplaceAll(o, blueprint, "BP")
		o = r53ID.ReplaceAllString(o, "Route 53 $1")
		o = uuidLike.ReplaceAllString(o, "ID")
		out[i] = stampLike.ReplaceAllString(o, "N")
	}
	sort.Strings(out)
	return out
}

// zoneRecords lists the record sets of the blueprint's hosted zones (the
// zone is named after the blueprint in these tests), so a twin record shows.
func zoneRecords(ctx context.Context, s *awsbase.Session, blueprint string) ([]string, error) {
	cfg, err := s.Config(ctx, "us-east-1")
	if err != nil {
		return nil, err
	}
	r53 := route53.NewFromConfig(cfg)
	// Other tests share the endpoint, so the zones can run past one page.
	var all []route53types.HostedZone
	in := &route53.ListHostedZonesInput{}
	for {
		zones, err := r53.ListHostedZones(ctx, in)
		if err != nil {
			return nil, err
		}
		all = append(all, zones.HostedZones...)
		if !zones.IsTruncated {
			break
		}
		in.Marker = zones.NextMarker
	}
	var out []string
	for _, z := range all {
		if !strings.Contains(sdkaws.ToString(z.Name), blueprint) {
			continue
		}
		recs, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: z.Id})
		if err != nil {
			return nil, err
		}
		for _, rr := range recs.ResourceRecordSets {
			if rr.Type == "SOA" || rr.Type == "NS" {
				continue
			}
			out = append(out, fmt.Sprintf("record %s %s %s %s", sdkaws.ToString(rr.Name), rr.Type, sdkaws.ToString(rr.SetIdentifier), rr.Failover))
		}
	}
	return out, nil
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// The quickstart's shape (two AWS regions, database with a cross-region
// replica and backups copied, Route 53 failover) through modules/stack with
// 30 % of AWS calls throttled, failed or dropped and latency added: it
// converges in one apply (at worst a second that only continues), the
// endpoint then holds exactly what a fault-free apply makes, the next plan is
// empty, and destroy under the same faults leaves nothing.
func TestAccFaults_quickstartConverges(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	opts, err := services.FaultOptionsFromEnv(faultDefaults)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf(drBlueprint, "QSNAME", "QSNAME", "QSNAME")
	clean := applyUnderFaults(t, text, "QSNAME", services.FaultOptions{})
	faulty := applyUnderFaults(t, text, "QSNAME", opts)
	if opts.Rate > 0 && faulty.Stats.Faults == 0 {
		t.Fatalf("no call was faulted: %s", faulty.Stats)
	}
	if d := diffLists(clean.Objects, faulty.Objects); d != "" {
		t.Errorf("objects under faults differ from a fault-free apply:\n%s", d)
	}
	if len(faulty.Left) > 0 || len(clean.Left) > 0 {
		t.Errorf("left after destroy: under faults %v, fault-free %v", faulty.Left, clean.Left)
	}
}

// faultBlueprintsVar picks the blueprints TestAccFaults_stockBlueprintsConverge
// applies (comma-separated; bench/faults runs them one at a time).
const faultBlueprintsVar = "HA_FAULT_BLUEPRINTS"

// faultBlueprints are the AWS stock blueprints, and the services blueprint
// (no stock blueprint has a cache, object store or alerts yet), each one
// modules/stack instance of one config: one apply, plan and destroy.
var faultBlueprints = []string{"web-active-active", "web-active-passive", "three-region-database", "services"}

// faultBlueprintText is a blueprint of faultBlueprints named name, with its
// DNS zone its own and deletion protection off so destroy can finish.
func faultBlueprintText(t *testing.T, key, name string) string {
	t.Helper()
	if key == "services" {
		return fmt.Sprintf(servicesBlueprint, name)
	}
	b, err := os.ReadFile(stockPath(key))
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?m)^blueprint "[^"]+"`).ReplaceAllString(string(b), fmt.Sprintf("blueprint %q", name))
	text = strings.ReplaceAll(text, "example.com", name+".test")
	return strings.ReplaceAll(text, "deletion_protection = true", "deletion_protection = false")
}

// objectLocations are where the fault tests look for objects: the
// quickstart's regions and eu-west-1 (three-region-database).
var objectLocations = append(append([]string(nil), drLocations...), "eu-west-1")

// applyStacksUnderFaults applies the blueprints (keys of faultBlueprints)
// as one config, one modules/stack instance each, through a fault front,
// with convergeUnderFaults. Each blueprint's name is name plus a letter.
func applyStacksUnderFaults(t *testing.T, keys []string, opts services.FaultOptions) faultRun {
	t.Helper()
	name := "fs" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	dir := t.TempDir()
	config := stackModules(t, dir, keys, name, "force_destroy_buckets = true")
	t.Cleanup(func() {
		for i := range keys {
			sweepFaults(t, name+string(rune('a'+i)))
		}
	})
	proxy, err := services.StartFaultProxy(os.Getenv("HA_AWS_ENDPOINT"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proxy.Close() }()
	tf := newCLI(t, CLIs(t)[0], dir, config)
	tf.env = append(tf.env, "HA_AWS_ENDPOINT="+proxy.URL)
	// Objects are found by their blueprint's tag (and name): list each
	// blueprint's, each line led by the blueprint's key.
	objects := func() []string {
		var out []string
		for i, key := range keys {
			for _, o := range endpointObjects(t, name+string(rune('a'+i))) {
				out = append(out, key+": "+o)
			}
		}
		return out
	}
	return convergeUnderFaults(t, tf, proxy, opts, name, objects)
}

// stackModules is a configuration of one modules/stack instance per
// blueprint key (faultBlueprintText written into dir, named name plus a
// letter), each with extra arguments.
func stackModules(t *testing.T, dir string, keys []string, name, extra string) string {
	t.Helper()
	config := `
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

provider "ha" {}
`
	for i, key := range keys {
		bpPath := filepath.Join(dir, key+".ha.hcl")
		if err := os.WriteFile(bpPath, []byte(faultBlueprintText(t, key, name+string(rune('a'+i)))), 0o644); err != nil {
			t.Fatal(err)
		}
		config += fmt.Sprintf(`
module %q {
  source              = %q
  blueprint           = %q
  database_password   = "acceptance-only-password"
  skip_final_snapshot = true
  create_dns_zones    = true
  %s
}
`, key, filepath.Join(RepoRoot(), "modules", "stack"), bpPath, extra)
	}
	return config
}

// sweepFaults removes what a failed fault test left, in every location the
// fault tests use.
func sweepFaults(t *testing.T, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := awsTestSession()
	if _, err := datasweep.Sweep(ctx, s, objectLocations, name); err != nil {
		t.Logf("sweep data objects of %s: %v", name, err)
	}
	if err := sweep.Sweep(ctx, s, objectLocations, name); err != nil {
		t.Logf("sweep compute objects of %s: %v", name, err)
	}
	sweepServices(t, name)
}

// The AWS stock blueprints (web-active-active, web-active-passive,
// three-region-database) and the services blueprint (cache, object store,
// alerts), applied together through modules/stack with 30 % of AWS calls
// faulted and latency added: one apply (at worst a second that only
// continues), the endpoint then holds exactly what a fault-free apply of
// the same config makes (no twins), the next plan is empty, and destroy
// under the same faults leaves nothing. Logs objects per blueprint;
// HA_FAULT_BLUEPRINTS narrows the set.
func TestAccFaults_stockBlueprintsConverge(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	opts, err := services.FaultOptionsFromEnv(faultDefaults)
	if err != nil {
		t.Fatal(err)
	}
	keys := faultBlueprints
	if v := os.Getenv(faultBlueprintsVar); v != "" {
		keys = strings.Split(v, ",")
	}
	clean := applyStacksUnderFaults(t, keys, services.FaultOptions{})
	faulty := applyStacksUnderFaults(t, keys, opts)
	if opts.Rate > 0 && faulty.Stats.Faults == 0 {
		t.Fatalf("no call was faulted: %s", faulty.Stats)
	}
	checkStacksConverged(t, keys, clean, faulty)
}

// checkStacksConverged requires the faulted run of the blueprints keys to
// hold exactly the fault-free run's objects, no twins, and nothing left
// after either destroy; it logs each blueprint's counts.
func checkStacksConverged(t *testing.T, keys []string, clean, faulty faultRun) {
	t.Helper()
	if d := diffLists(clean.Objects, faulty.Objects); d != "" {
		t.Errorf("objects under faults differ from a fault-free apply:\n%s", d)
	}
	seen := map[string]bool{}
	for _, o := range faulty.Objects {
		if seen[o] {
			t.Errorf("twin object: %s", o)
		}
		seen[o] = true
	}
	for _, key := range keys {
		t.Logf("blueprint %s: %d objects (fault-free %d); %d left after destroy",
			key, countOf(faulty.Objects, key), countOf(clean.Objects, key), countOf(faulty.Left, key))
	}
	if len(faulty.Left) > 0 || len(clean.Left) > 0 {
		t.Errorf("left after destroy: under faults %v, fault-free %v", faulty.Left, clean.Left)
	}
}

// countOf counts the objects of the blueprint key.
func countOf(objects []string, key string) int {
	n := 0
	for _, o := range objects {
		if strings.HasPrefix(o, key+": ") {
			n++
		}
	}
	return n
}

// diffLists shows the lines only in a and only in b.
func diffLists(a, b []string) string {
	count := map[string]int{}
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
	}
	var d []string
	for k, n := range count {
		switch {
		case n > 0:
			d = append(d, fmt.Sprintf("- %s (x%d)", k, n))
		case n < 0:
			d = append(d, fmt.Sprintf("+ %s (x%d)", k, -n))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// Answers lost after the endpoint acted (the object is made, the connection
// closes before the reply; the SDK then retries): creates carry client
// tokens where the API takes one and adopt what the lost call made where it
// does not, so the objects equal a fault-free apply's and destroy leaves
// nothing. HA_FAULT_RATE and HA_FAULT_SEED change the defaults.
func TestAccFaults_lostAnswersMakeNoTwins(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	opts, err := services.FaultOptionsFromEnv(services.FaultOptions{Rate: 0.15, Seed: 3, MaxStreak: 4})
	if err != nil {
		t.Fatal(err)
	}
	opts.Kinds = []string{services.FaultLost}
	text := fmt.Sprintf(drBlueprint, "LANAME", "LANAME", "LANAME")
	clean := applyUnderFaults(t, text, "LANAME", services.FaultOptions{})
	lost := applyUnderFaults(t, text, "LANAME", opts)
	if lost.Stats.Faults == 0 {
		t.Fatalf("no answer was lost: %s", lost.Stats)
	}
	if d := diffLists(clean.Objects, lost.Objects); d != "" {
		t.Errorf("objects after lost answers differ from a fault-free apply:\n%s", d)
	}
	if len(lost.Left) > 0 {
		t.Errorf("left after destroy: %v", lost.Left)
	}
}
