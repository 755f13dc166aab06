package acceptance

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

// crashPointsVar lists the calls after which the crash test kills terraform
// (comma-separated operation names, as the fault front sees them; "gcp"
// selects the GCP kill points, "keepalived" the virtual IP's); "all" adds
// the later calls of the multi-call creates. CI runs the default: the first
// create call of each resource kind, AWS and GCP, and the virtual IP's.
const crashPointsVar = "HA_CRASH_POINTS"

// crashPoints is one create call per resource kind of the stack; the
// quickstart's shape (drBlueprint) holds the first six kinds, the services
// blueprint (cache, object store, alerts) the others.
var crashPoints = []string{
	"CreateDBInstance",            // ha_database
	"CreateDBInstanceReadReplica", // ha_database_replica
	"CreateLoadBalancer",          // ha_load_balancer
	"CreateAutoScalingGroup",      // ha_scaling_group
	"CreateBackupVault",           // ha_backup_plan (PUT /backup-vaults/…)
	"CreateHealthCheck",           // ha_dns_failover
	"CreateReplicationGroup",      // ha_cache
	"CreateBucket",                // ha_object_store (PUT /bucket)
	"CreateTopic",                 // ha_alerts
}

// laterCrashPoints are the other calls of creates made of several calls:
// the kill lands between two of them.
var laterCrashPoints = []string{
	"CreateVpc",                // ha_load_balancer: its network, first
	"CreateTargetGroup",        // ha_load_balancer: before the load balancer
	"CreateListener",           // ha_load_balancer: after it
	"CreateLaunchTemplate",     // ha_scaling_group: before the group
	"CreateKey",                // ha_backup_plan: the vault's key, before the vault
	"CreateBackupPlan",         // ha_backup_plan: after the vaults
	"CreateBackupSelection",    // ha_backup_plan: last
	"CreateHostedZone",         // ha_dns_failover: the zone, first
	"ChangeResourceRecordSets", // ha_dns_failover: the records, last
	"PutBucketTagging",         // ha_object_store: the tags, after the bucket
	"CreateRole",               // ha_object_store: the copy role, before replication
	"PutBucketReplication",     // ha_object_store: last
	"Subscribe",                // ha_alerts: after the topic
	"PutMetricAlarm",           // ha_alerts: the alarms, last
}

// servicesPoints are the kill points applied to the services blueprint.
var servicesPoints = map[string]bool{
	"CreateReplicationGroup": true, "CreateBucket": true, "CreateTopic": true,
	"PutBucketTagging": true, "CreateRole": true, "PutBucketReplication": true,
	"Subscribe": true, "PutMetricAlarm": true,
}

// Terraform (with its provider plugins) is SIGKILLed right after the
// endpoint answered a create call (the object exists, the state does not
// know it); the next apply adopts what was
// made instead of failing on "already exists" or making a twin, the endpoint
// then holds what a clean apply makes, and destroy leaves nothing. Prints,
// per kill point, the applies needed and the objects left.
func TestAccCrash_killedApplyIsAdopted(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	points := crashPoints
	if v := os.Getenv(crashPointsVar); v == "all" {
		points = append(append([]string(nil), crashPoints...), laterCrashPoints...)
	} else if v != "" {
		points = nil
		for _, p := range strings.Split(v, ",") {
			if p != "keepalived" && p != "gcp" { // TestAccCrash_virtualIPKilledMidDelivery's, TestAccCrash_gcpKilledApplyIsAdopted's
				points = append(points, p)
			}
		}
		if len(points) == 0 {
			t.Skip(crashPointsVar + " names no AWS kill point")
		}
	}
	texts := map[bool]string{
		false: fmt.Sprintf(drBlueprint, "CRNAME", "CRNAME", "CRNAME"),
		true:  fmt.Sprintf(servicesBlueprint, "CRNAME"),
	}
	clean := map[bool]faultRun{}
	for _, point := range points {
		svc := servicesPoints[point]
		if _, ok := clean[svc]; !ok {
			clean[svc] = applyUnderFaults(t, texts[svc], "CRNAME", services.FaultOptions{})
		}
		t.Run(point, func(t *testing.T) {
			applies, objects, left := crashAt(t, texts[svc], point)
			t.Logf("kill point %s: applies needed after the kill %d; objects %d (clean apply %d); left after destroy %d",
				point, applies, len(objects), len(clean[svc].Objects), len(left))
			if d := diffLists(clean[svc].Objects, objects); d != "" {
				t.Errorf("after the kill at %s, the endpoint differs from a clean apply:\n%s", point, d)
			}
			if len(left) > 0 {
				t.Errorf("left after destroy: %v", left)
			}
		})
	}
}

// crashAt applies, kills terraform once op was answered, applies again
// (twice at most), lists, checks the plan is empty and destroys.
func crashAt(t *testing.T, blueprintText, op string) (applies int, objects, left []string) {
	t.Helper()
	name := "cr" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	dir := t.TempDir()
	bpPath := filepath.Join(dir, "bp.ha.hcl")
	if err := os.WriteFile(bpPath, []byte(strings.ReplaceAll(blueprintText, "CRNAME", name)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sweepAll(t, name); sweepServices(t, name) })
	return crashRun{
		what: op, upstream: os.Getenv("HA_AWS_ENDPOINT"), dir: dir, config: stackConfig(bpPath),
		env:     func(u string) []string { return []string{"HA_AWS_ENDPOINT=" + u} },
		kill:    func(c services.Call) bool { return callIs(c, op) },
		objects: func() []string { return endpointObjects(t, name) },
	}.run(t)
}

// crashRun is one kill: the root module config applied in dir, its
// provider reaching the cloud through a fault front before upstream (env
// tells it the front's URL), terraform killed once a call kill matches was
// answered; objects lists what the cloud holds.
type crashRun struct {
	what, upstream, dir, config string
	env                         func(frontURL string) []string
	kill                        func(services.Call) bool
	objects                     func() []string
}

// run applies, kills terraform at the kill point, applies again (twice at
// most), lists, checks the plan is empty and destroys.
func (r crashRun) run(t *testing.T) (applies int, objects, left []string) {
	t.Helper()
	var mu sync.Mutex
	var victim *os.Process
	killed := false
	proxy, err := services.StartFaultProxy(r.upstream, services.FaultOptions{
		OnForwarded: func(c services.Call) {
			if c.Status >= 300 || !r.kill(c) {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if victim != nil && !killed {
				killed = true
				killGroup(victim)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proxy.Close() }()
	tf := newCLI(t, CLIs(t)[0], r.dir, r.config)
	tf.env = append(tf.env, r.env(proxy.URL)...)

	cmd := crashableApply(tf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	victim = cmd.Process
	mu.Unlock()
	err = cmd.Wait()
	mu.Lock()
	wasKilled := killed
	mu.Unlock()
	if !wasKilled {
		t.Fatalf("the apply never called %s (err %v):\n%s", r.what, err, tail(out.String(), 30))
	}
	// Let the endpoint finish what it was answering.
	time.Sleep(2 * time.Second)
	for applies < 2 {
		applies++
		o, err := tf.try("apply", "-auto-approve", "-input=false")
		if err == nil {
			break
		}
		if applies == 2 {
			t.Fatalf("after the kill at %s, two applies did not finish:\n%s", r.what, tail(o, 40))
		}
		t.Logf("first apply after the kill failed:\n%s", tail(o, 30))
	}
	objects = r.objects()
	tf.planEmpty()
	tf.destroy()
	left = r.objects()
	return applies, objects, left
}

// crashableApply is `terraform apply` in a process group of its own, so
// that killGroup takes terraform and the provider plugins it started down
// together, as a crashed machine or CI runner would (and none is left
// running after the test).
func crashableApply(tf *cliRun) *exec.Cmd {
	cmd := exec.Command(tf.cli.Path, "apply", "-auto-approve", "-input=false", "-no-color")
	cmd.Dir, cmd.Env = tf.dir, tf.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// killGroup SIGKILLs the process group p leads.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// restOps are the REST calls among the crash points: method, path and, for
// S3, the subresource query.
var restOps = map[string]*regexp.Regexp{
	"CreateBucket":             regexp.MustCompile(`^PUT /[a-z0-9.-]+$`),
	"PutBucketTagging":         regexp.MustCompile(`^PUT /[a-z0-9.-]+\?tagging`),
	"PutBucketReplication":     regexp.MustCompile(`^PUT /[a-z0-9.-]+\?replication`),
	"CreateBackupVault":        regexp.MustCompile(`^PUT /backup-vaults/[^/]+$`),
	"CreateBackupPlan":         regexp.MustCompile(`^PUT /backup/plans/?$`),
	"CreateHealthCheck":        regexp.MustCompile(`^POST /2013-04-01/healthcheck$`),
	"CreateHostedZone":         regexp.MustCompile(`^POST /2013-04-01/hostedzone$`),
	"ChangeResourceRecordSets": regexp.MustCompile(`^POST /2013-04-01/hostedzone/[^/]+/rrset/?$`),
}

func callIs(c services.Call, op string) bool {
	if re, ok := restOps[op]; ok {
		if c.Query != "" {
			return re.MatchString(c.Operation + "?" + c.Query)
		}
		return re.MatchString(c.Operation)
	}
	return c.Operation == op
}

// ha_virtual_ip delivers keepalived's configuration to each host over SSH
// and starts it. Terraform is SIGKILLed the moment the first host holds its
// file (the others not yet written, or written but not started); the next
// apply writes what is missing and starts keepalived where it does not run
// (not rewriting what is already right), the VIP answers, the next plan is
// empty, and destroy leaves no file and no daemon on any host. Prints how
// many hosts held the file at the kill and the applies needed.
// HA_CRASH_POINTS set to a list without "keepalived" (and not "all")
// leaves it out.
func TestAccCrash_virtualIPKilledMidDelivery(t *testing.T) {
	if v := os.Getenv(crashPointsVar); v != "" && v != "all" && !strings.Contains(v, "keepalived") {
		t.Skip(crashPointsVar + " leaves the keepalived delivery kill point out")
	}
	lab := vipLab(t)
	vip := vipAddr(lab, 11)
	config := `
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

provider "ha" {}
` + vipConfig(lab, "crash-dc1-web", vip, labHosts(lab))
	tf := newCLI(t, CLIs(t)[0], t.TempDir(), config)
	conf := func(h string) string { return lab.Hosts[h].EtcDir + "/keepalived/keepalived.conf" }
	delivered := func() (n int) {
		for h := range lab.Hosts {
			if _, err := os.Stat(conf(h)); err == nil {
				n++
			}
		}
		return n
	}
	t.Cleanup(func() {
		if delivered() > 0 {
			_, _ = tf.try("destroy", "-auto-approve", "-input=false")
		}
	})

	cmd := crashableApply(tf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	atKill := -1
	for atKill < 0 {
		select {
		case err := <-done:
			t.Fatalf("the apply ended before any host held its configuration (err %v):\n%s", err, tail(out.String(), 30))
		case <-time.After(20 * time.Millisecond):
			if n := delivered(); n > 0 {
				killGroup(cmd.Process)
				atKill = n
			}
		}
	}
	t.Logf("killed apply: %v", <-done)
	time.Sleep(2 * time.Second)
	running := func() (n int) {
		for h := range lab.Hosts {
			b, err := os.ReadFile(lab.Hosts[h].EtcDir + "/keepalived/keepalived.pid")
			if err != nil {
				continue
			}
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 && syscall.Kill(pid, 0) == nil {
				n++
			}
		}
		return n
	}
	t.Logf("killed with %d of %d hosts holding their file, keepalived running on %d", atKill, len(lab.Hosts), running())

	applies := 0
	for applies < 2 {
		applies++
		o, err := tf.try("apply", "-auto-approve", "-input=false")
		if err == nil {
			break
		}
		if applies == 2 {
			t.Fatalf("after the kill, two applies did not finish:\n%s", tail(o, 40))
		}
		t.Logf("first apply after the kill failed:\n%s", tail(o, 30))
	}
	files, daemons := delivered(), running()
	if files != len(lab.Hosts) || daemons != len(lab.Hosts) {
		t.Errorf("after the apply: %d hosts hold the file, keepalived runs on %d; want %d each", files, daemons, len(lab.Hosts))
	}
	if err := vipAnswersFrom(vip, "r1-h01")(nil); err != nil {
		t.Error(err)
	}
	tf.planEmpty()
	tf.destroy()
	if err := keepalivedGone(lab)(nil); err != nil {
		t.Error(err)
	}
	t.Logf("kill point keepalived delivery: applies needed after the kill %d; hosts configured %d, running %d; left after destroy: %v",
		applies, files, daemons, keepalivedGone(lab)(nil))
}
