package acceptance

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// gcpData is the GCP data tier of one test: a Cloud SQL database in
// us-east1, its cross-region replica in us-west1, a backup plan on the
// database copying to us-west1, and a Cloud DNS failover name over two
// addresses, all in one configuration so one apply covers the four
// resources.
type gcpData struct {
	name          string // prefix of every object
	tier          string
	storage       int
	retention     int // of the backup plan
	schedule      string
	copyTo        string
	promote       bool
	mode          string   // dns: failover or weighted
	targets       []string // dns: one address per target
	password      string
	restore       bool // add a database restored from the newest backup
	replicaEngine string
}

func newGCPData(name string) gcpData {
	return gcpData{
		name: name, tier: "db-custom-1-3840", storage: 10, retention: 7, schedule: "cron(0 3 * * ? *)",
		copyTo: "us-west1", mode: "failover", targets: []string{"203.0.113.10", "203.0.113.20"},
		password: "correct-horse-battery", replicaEngine: "postgres",
	}
}

func (c gcpData) zone() string { return c.name + ".example.test" }

func (c gcpData) config() string {
	var targets strings.Builder
	for i, a := range c.targets {
		fmt.Fprintf(&targets, `
  target {
    name      = %q
    addresses = [%q]
    weight    = %d
  }`, []string{"us-east1", "us-west1", "europe-west1"}[i], a, 10*(i+1))
	}
	cfg := fmt.Sprintf(`
resource "ha_database" "db" {
  cloud               = "gcp"
  location            = "us-east1"
  name                = "%[1]s-db"
  blueprint           = %[1]q
  component           = "east/orders/database"
  engine              = "postgres"
  engine_version      = "16"
  instance_class      = %[2]q
  allocated_storage   = %[3]d
  username            = "orders"
  password            = %[4]q
  deletion_protection = false
}

resource "ha_database_replica" "replica" {
  cloud      = "gcp"
  location   = "us-west1"
  name       = "%[1]s-rep"
  blueprint  = %[1]q
  component  = "west/orders/replica"
  source     = "east/orders/database"
  source_arn = ha_database.db.arn
  engine     = %[10]q
  promote    = %[5]v
}

resource "ha_backup_plan" "backup" {
  cloud            = "gcp"
  location         = "us-east1"
  name             = "%[1]s-bk"
  blueprint        = %[1]q
  component        = "east/orders/backup_plan"
  database         = "east/orders/database"
  schedule         = %[6]q
  retention_days   = %[7]d
  copy_to_location = %[8]q
  resource_arns    = [ha_database.db.arn]
  start_backup_now = true
}

resource "ha_dns_failover" "www" {
  backend     = "clouddns"
  location    = "us-east1"
  zone        = %[11]q
  create_zone = true
  fqdn        = "www.%[11]s"
  mode        = %[9]q
  ttl         = 30
%[12]s
  health_check {
    protocol = "HTTP"
    port     = 80
    path     = "/healthz"
  }
}
`, c.name, c.tier, c.storage, c.password, c.promote, c.schedule, c.retention, c.copyTo, c.mode, c.replicaEngine, c.zone(), targets.String())
	if c.restore {
		// Disaster recovery: a database in the copy region built from the
		// newest backup of the protected one.
		cfg += fmt.Sprintf(`
resource "ha_database" "restored" {
  cloud                  = "gcp"
  location               = "us-west1"
  name                   = "%[1]s-rst"
  blueprint              = %[1]q
  component              = "west/orders/database"
  engine                 = "postgres"
  instance_class         = "db-custom-1-3840"
  allocated_storage      = 10
  username               = "orders"
  password               = %[2]q
  deletion_protection    = false
  restore_from_component = "east/orders/database"
  depends_on             = [ha_backup_plan.backup]
}
`, c.name, c.password)
	}
	return cfg
}

// sqlInstance is gcloud's view of a Cloud SQL instance.
func sqlInstance(name string) (map[string]any, error) {
	return gcloudObject("sql", "instances", "describe", name)
}

// jsonPath reads a nested field of a gcloud object ("settings.tier").
func jsonPath(m map[string]any, p string) string {
	v := jsonValue(m, p)
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// jsonValue is jsonPath's field as decoded, nil when absent.
func jsonValue(m map[string]any, p string) any {
	var v any = m
	for _, k := range strings.Split(p, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// gcpDataSees checks through gcloud that the database, its replica, the
// backup configuration and the DNS record set are as c says.
func (c gcpData) sees() resource.TestCheckFunc {
	return func(*terraform.State) error {
		db, err := sqlInstance(c.name + "-db")
		if err != nil {
			return err
		}
		for p, want := range map[string]string{
			"settings.tier":                        c.tier,
			"settings.dataDiskSizeGb":              fmt.Sprint(c.storage),
			"settings.availabilityType":            "REGIONAL",
			"state":                                "RUNNABLE",
			"databaseVersion":                      "POSTGRES_16",
			"region":                               "us-east1",
			"settings.userLabels.ha-component":     "east_0orders_0database",
			"settings.backupConfiguration.enabled": "true",
			"settings.backupConfiguration.pointInTimeRecoveryEnabled":              "true",
			"settings.backupConfiguration.startTime":                               startOf(c.schedule),
			"settings.backupConfiguration.location":                                c.copyTo,
			"settings.backupConfiguration.backupRetentionSettings.retainedBackups": fmt.Sprint(c.retention),
		} {
			if got := jsonPath(db, p); got != want {
				return fmt.Errorf("gcloud sql instances describe %s-db: %s = %q, want %q", c.name, p, got, want)
			}
		}
		rep, err := sqlInstance(c.name + "-rep")
		if err != nil {
			return err
		}
		master := jsonPath(rep, "masterInstanceName")
		if c.promote != (master == "") || !c.promote && !strings.HasSuffix(master, c.name+"-db") || jsonPath(rep, "region") != "us-west1" {
			return fmt.Errorf("gcloud sql instances describe %s-rep: master %q in %s, want promoted=%v", c.name, master, jsonPath(rep, "region"), c.promote)
		}
		sets, err := gcloudList("dns", "record-sets", "list", "--zone", c.name+"-example-test")
		if err != nil {
			return err
		}
		for _, s := range sets {
			if s["name"] != "www."+c.zone()+"." {
				continue
			}
			b, _ := json.Marshal(s["routingPolicy"])
			pol := string(b)
			want := "primaryBackup"
			if c.mode == "weighted" {
				want = "wrr"
			}
			if !strings.Contains(pol, `"`+want+`"`) {
				return fmt.Errorf("record set www.%s: routing policy %s, want %s", c.zone(), pol, want)
			}
			for _, a := range c.targets {
				if !strings.Contains(pol, `"`+a+`"`) {
					return fmt.Errorf("record set www.%s: routing policy %s lacks target %s", c.zone(), pol, a)
				}
			}
			return nil
		}
		return fmt.Errorf("gcloud dns record-sets list: no www.%s in %v", c.zone(), sets)
	}
}

// startOf is the backup start time of a daily cron, "cron(30 4 * * ? *)"
// → "04:30".
func startOf(cron string) string {
	var m, h int
	_, _ = fmt.Sscanf(cron, "cron(%d %d", &m, &h)
	return fmt.Sprintf("%02d:%02d", h, m)
}

// gcpDataGone: gcloud sees no instance and no zone of the test.
func gcpDataGone(name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		insts, err := gcloudList("sql", "instances", "list")
		if err != nil {
			return err
		}
		for _, i := range insts {
			if strings.HasPrefix(fmt.Sprint(i["name"]), name) {
				return fmt.Errorf("left behind (seen by gcloud): Cloud SQL instance %v", i["name"])
			}
		}
		zones, err := gcloudList("dns", "managed-zones", "list")
		if err != nil {
			return err
		}
		for _, z := range zones {
			if strings.HasPrefix(fmt.Sprint(z["name"]), name) {
				return fmt.Errorf("left behind (seen by gcloud): managed zone %v", z["name"])
			}
		}
		return nil
	}
}

// The GCP data tier through terraform and OpenTofu: create (gcloud sees
// each setting), an empty second plan, import of all four resources, an
// update of tier, storage, backup retention, start time and copy region
// and DNS targets and mode, a restore from the newest backup into a new
// instance, and promote = true promoting the replica in the same apply.
// The master password is sensitive and in no log line.
func TestAccGCPData_basic(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		c := newGCPData(strings.ToLower(uniqueName("gd-" + cli.Name[:2])))
		c.password = "Zq8-" + c.name + "-secret"
		logPath := t.TempDir() + "/tf.log"
		t.Setenv("TF_LOG", "TRACE")
		t.Setenv("TF_ACC_LOG_PATH", logPath)
		up := c
		up.tier, up.storage, up.retention, up.schedule, up.copyTo = "db-custom-2-7680", 20, 14, "cron(30 4 * * ? *)", "us-central1"
		up.mode, up.targets = "weighted", []string{"203.0.113.10", "203.0.113.30"}
		restored := up
		restored.restore = true
		promoted := restored
		promoted.promote = true
		cfg := c.config()
		return resource.TestCase{
			PreCheck: func() { PreCheck(t) },
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(gcpDataGone(c.name), func(*terraform.State) error {
				raw, err := os.ReadFile(logPath)
				if err != nil {
					return err
				}
				log := providerAndCLILog(string(raw))
				if !strings.Contains(log, "ha_database") {
					return fmt.Errorf("trace log at %s has no provider entries for ha_database: logging was not captured", logPath)
				}
				if strings.Contains(log, c.password) {
					return fmt.Errorf("the master password appears in the trace log")
				}
				return nil
			}),
			Steps: []resource.TestStep{
				{
					Config: cfg,
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectSensitiveValue("ha_database.db", tfjsonpath.New("password")),
						statecheck.ExpectKnownValue("ha_database.db", tfjsonpath.New("arn"), knownvalue.StringRegexp(regexp.MustCompile(`:us-east1:`+c.name+`-db$`))),
						statecheck.ExpectKnownValue("ha_database.db", tfjsonpath.New("port"), knownvalue.Int64Exact(5432)),
						statecheck.ExpectKnownValue("ha_database.db", tfjsonpath.New("multi_az"), knownvalue.Bool(true)),
						statecheck.ExpectKnownValue("ha_database_replica.replica", tfjsonpath.New("role"), knownvalue.StringExact("replica")),
						statecheck.ExpectKnownValue("ha_database_replica.replica", tfjsonpath.New("replicating_from"), knownvalue.StringExact(c.name+"-db")),
						statecheck.ExpectKnownValue("ha_backup_plan.backup", tfjsonpath.New("latest_snapshot_arn"), knownvalue.StringRegexp(regexp.MustCompile(`^`+c.name+`-db/[0-9]+$`))),
						statecheck.ExpectKnownValue("ha_dns_failover.www", tfjsonpath.New("health_check_ids"), knownvalue.ListSizeExact(1)),
					},
					Check: c.sees(),
				},
				{
					// The component key comes back from its label
					// (east_0orders_0database); so does the replica's source.
					ResourceName: "ha_database.db", ImportState: true, ImportStateId: "gcp/us-east1/" + c.name + "-db",
					ImportStateVerify: true, ImportStateVerifyIgnore: []string{"password", "timeouts"},
				},
				{
					ResourceName: "ha_database_replica.replica", ImportState: true, ImportStateId: "gcp/us-west1/" + c.name + "-rep",
					ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"},
				},
				{
					// The plan's component key comes back from the label
					// that marks the instance's backups as the plan's.
					ResourceName: "ha_backup_plan.backup", ImportState: true, ImportStateId: "gcp/us-east1/" + c.name + "-db",
					ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts", "start_backup_now"},
				},
				{
					ResourceName: "ha_dns_failover.www", ImportState: true, ImportStateId: "clouddns/" + c.zone() + "/www." + c.zone() + "/A",
					ImportStateVerify: true, ImportStateVerifyIgnore: []string{"create_zone", "location"},
				},
				{
					Config: up.config(),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_database.db", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("ha_database_replica.replica", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("ha_dns_failover.www", plancheck.ResourceActionUpdate),
					}},
					Check: up.sees(),
				},
				{
					// Restore the newest backup into a new instance in the copy region.
					Config: restored.config(),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_database.restored", tfjsonpath.New("restored_from_snapshot"), knownvalue.StringRegexp(regexp.MustCompile(`^`+c.name+`-db/[0-9]+$`))),
					},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttrPair("ha_database.restored", "restored_from_snapshot", "ha_backup_plan.backup", "latest_recovery_point_arn"),
						func(*terraform.State) error {
							inst, err := sqlInstance(c.name + "-rst")
							if err != nil {
								return err
							}
							if jsonPath(inst, "state") != "RUNNABLE" || jsonPath(inst, "region") != "us-west1" {
								return fmt.Errorf("restored instance: %v", inst)
							}
							return nil
						},
					),
				},
				{
					// Disaster recovery: the replica becomes a primary in this apply.
					Config: promoted.config(),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_database_replica.replica", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("ha_database.db", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("ha_database_replica.replica", tfjsonpath.New("role"), knownvalue.StringExact("primary")),
						statecheck.ExpectKnownValue("ha_database_replica.replica", tfjsonpath.New("replicating_from"), knownvalue.Null()),
					},
					Check: promoted.sees(),
				},
			},
		}
	})
}

// Out-of-band changes through gcloud show in plan and apply repairs them:
// the database deleted (after its replica was promoted by hand, which
// Cloud SQL requires), the replica promoted by hand (plan replaces it
// with a replica again), the DNS record set deleted. Bad input is refused
// at plan time, and an engine other than the source's at apply, on the
// engine attribute.
func TestAccGCPData_disappears(t *testing.T) {
	PreCheck(t)
	useGCP(t)
	TestBothCLIs(t, func(t *testing.T, cli CLI) resource.TestCase {
		c := newGCPData(strings.ToLower(uniqueName("gx-" + cli.Name[:2])))
		cfg := c.config()
		one := c
		one.targets = c.targets[:1]
		awsClass := c
		awsClass.tier = "db.t3.micro"
		mysql := c
		mysql.replicaEngine = "mysql"
		return resource.TestCase{
			PreCheck:     func() { PreCheck(t) },
			CheckDestroy: gcpDataGone(c.name),
			Steps: []resource.TestStep{
				{Config: awsClass.config(), PlanOnly: true, ExpectError: wordsRE("Instance class of another cloud", `"db.t3.micro" is an AWS database class, but this database is on gcp`)},
				{Config: one.config(), PlanOnly: true, ExpectError: wordsRE("Cloud DNS failover with one target")},
				{
					Config: cfg,
					Check: func(*terraform.State) error {
						for _, args := range [][]string{
							{"sql", "instances", "promote-replica", c.name + "-rep", "--quiet"},
							{"sql", "instances", "delete", c.name + "-db", "--quiet"},
							{"dns", "record-sets", "delete", "www." + c.zone() + ".", "--type", "A", "--zone", c.name + "-example-test"},
						} {
							if _, err := gcloud(args...); err != nil {
								return err
							}
						}
						return nil
					},
					ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("ha_database.db", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("ha_database_replica.replica", plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction("ha_backup_plan.backup", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("ha_dns_failover.www", plancheck.ResourceActionCreate),
					}},
					ExpectNonEmptyPlan: true,
				},
				{Config: cfg, Check: c.sees()},
				{Config: mysql.config(), ExpectError: wordsRE("Engine does not match the source", `"mysql" but the source runs "postgres"`)},
			},
		}
	})
}
