package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/devprovider"
)

// A database password and the AWS secret key never appear in the
// TF_LOG=trace log (terraform's and the provider's), in the CLI's output of
// plan, apply, output and destroy, nor in `config show`; a failing apply's
// diagnostic does not show them either.
func TestAccSecrets_neverLogged(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := "sec" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	password := "pw" + acctest.RandStringFromCharSet(20, acctest.CharSetAlphaNum)
	secretKey := "sk" + acctest.RandStringFromCharSet(30, acctest.CharSetAlphaNum)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "trace.log")
	t.Cleanup(func() { sweepAll(t, name) })
	tf := newCLI(t, CLIs(t)[0], dir, `
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

provider "ha" {}

variable "password" {
  type      = string
  sensitive = true
}

variable "bad_size" {
  type    = number
  default = 20
}

resource "ha_database" "db" {
  location                = "us-east-1"
  name                    = "`+name+`-db"
  component               = "east/db/database"
  blueprint               = "`+name+`"
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  username                = "app"
  password                = var.password
  allocated_storage       = var.bad_size
  multi_az                = false
  deletion_protection     = false
  skip_final_snapshot     = true
}

output "endpoint" {
  value = ha_database.db.address
}
`)
	tf.env = append(tf.env, "TF_LOG=trace", "TF_LOG_PATH="+logPath, "TF_VAR_password="+password, "HA_AWS_SECRET_KEY="+secretKey)
	var outputs []string
	outputs = append(outputs, tf.run("plan", "-input=false"))
	outputs = append(outputs, tf.run("apply", "-auto-approve", "-input=false"))
	outputs = append(outputs, tf.run("output", "-json"))
	// A change the cloud refuses (storage cannot shrink) ends in a diagnostic.
	if out, err := tf.try("apply", "-auto-approve", "-input=false", "-var", "bad_size=5"); err == nil {
		t.Log("apply with a smaller storage size went through")
		outputs = append(outputs, out)
	} else {
		outputs = append(outputs, out)
	}
	outputs = append(outputs, tf.run("destroy", "-auto-approve", "-input=false"))

	bin := filepath.Join(providerBuild(t), devprovider.Binary)
	cmd := exec.Command(bin, "config", "show")
	cmd.Env = tf.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("config show: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "secret_key") {
		t.Errorf("config show does not list aws.secret_key:\n%s", out)
	}
	outputs = append(outputs, string(out))

	logData, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(logData) < 10000 || !strings.Contains(string(logData), "TRACE") {
		t.Fatalf("the trace log is not a trace log (%d bytes)", len(logData))
	}
	if !strings.Contains(string(logData), "CreateDBInstance") && !strings.Contains(string(logData), "ha_database") {
		t.Errorf("the trace log does not cover the database create")
	}
	for what, secret := range map[string]string{"database password": password, "AWS secret key": secretKey} {
		if i := strings.Index(string(logData), secret); i >= 0 {
			t.Errorf("%s in the TF_LOG=trace log: …%s…", what, excerpt(string(logData), i))
		}
		for _, o := range outputs {
			if i := strings.Index(o, secret); i >= 0 {
				t.Errorf("%s in CLI output: …%s…", what, excerpt(o, i))
			}
		}
	}
	t.Logf("secrets checked: 2 (database password, AWS secret key) in %d bytes of trace log and %d CLI outputs", len(logData), len(outputs))
}

func excerpt(s string, i int) string {
	lo, hi := i-80, i+80
	if lo < 0 {
		lo = 0
	}
	if hi > len(s) {
		hi = len(s)
	}
	return s[lo:hi]
}
