package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

// Stack plans: a generated blueprint of about N components (tiers and
// databases over ten AWS regions) through modules/stack, `terraform plan`
// from empty against the local AWS endpoint: wall time of the plan, and CPU
// and peak RSS of the provider processes.

var stackLocations = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1",
	"eu-west-2", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "sa-east-1",
}

// stackBlueprint writes a blueprint over ten regions with tiers tiers (a
// load balancer and scaling group per region and one DNS name each, weighted
// over the ten, since Route 53 failover holds two: 21 components) and dbs databases (a primary, a replica in each other region
// and a backup plan: 11 components).
func stackBlueprint(tiers, dbs int) string {
	var b strings.Builder
	b.WriteString("blueprint \"bench\" {}\n\nvariable \"image\" {\n  default = \"ami-12c6146b\"\n}\n\nobjectives {\n  rto = \"1h\"\n  rpo = \"1h\"\n}\n\n")
	for i, loc := range stackLocations {
		role := "standby"
		if i == 0 {
			role = "primary"
		}
		second := "b"
		if loc == "ap-northeast-1" {
			second = "c" // Tokyo has no zone b
		}
		fmt.Fprintf(&b, "region \"r%d\" {\n  cloud    = \"aws\"\n  location = %q\n  zones    = [\"%sa\", \"%s%s\"]\n  role     = %q\n}\n\n", i, loc, loc, loc, second, role)
	}
	for d := 0; d < dbs; d++ {
		fmt.Fprintf(&b, "database \"db%d\" {\n  engine         = \"postgres\"\n  version        = \"16\"\n  instance_class = \"db.t3.medium\"\n  storage        = \"%dGiB\"\n  replication {\n    cross_region = true\n  }\n  backup {\n    schedule = \"daily 03:00\"\n    retain   = \"14d\"\n    copy_to  = [region.r1]\n  }\n}\n\n", d, 20+d)
	}
	for t := 0; t < tiers; t++ {
		fmt.Fprintf(&b, `tier "t%d" {
  image         = var.image
  instance_type = "t3.small"
  uses          = [database.db%d]
  capacity {
    min     = 2
    desired = 2
    max     = 10
  }
  scale_on {
    cpu_percent = 60
  }
  load_balancer {
    listener {
      port = 80
    }
    health_check {
      path     = "/healthz"
      interval = "10s"
    }
  }
}

dns "t%d.example.com" {
  zone = "example.com"
  ttl  = 30
  to   = tier.t%d
  weighted {
    weights = { r0 = 10, r1 = 10, r2 = 10, r3 = 10, r4 = 10, r5 = 10, r6 = 10, r7 = 10, r8 = 10, r9 = 10 }
    health_check {
      interval  = "10s"
      threshold = 3
    }
  }
}

`, t, t%max(1, dbs), t, t)
	}
	return b.String()
}

// stackShape picks tiers and databases for about n components.
func stackShape(n int) (tiers, dbs, total int) {
	dbs = max(1, n/90)
	tiers = max(1, (n-11*dbs+10)/21)
	return tiers, dbs, 21*tiers + 11*dbs
}

func runStacks(root, work, tf, cliCfg, sizes string, refresh map[int]bool) error {
	if strings.TrimSpace(sizes) == "" {
		return nil
	}
	ctx := context.Background()
	stack, err := services.Start(ctx, filepath.Join(work, "services"), services.Moto)
	if err != nil {
		return fmt.Errorf("local AWS endpoint: %w", err)
	}
	defer stack.Stop()
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliCfg, "TF_IN_AUTOMATION=1")
	for k, v := range stack.Env {
		env = append(env, k+"="+v)
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 32 {
			return fmt.Errorf("invalid component count %q (at least 32)", s)
		}
		tiers, dbs, total := stackShape(n)
		dir := filepath.Join(work, fmt.Sprintf("stack%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		bp := filepath.Join(dir, "bench.ha.hcl")
		if err := os.WriteFile(bp, []byte(stackBlueprint(tiers, dbs)), 0o644); err != nil {
			return err
		}
		main := fmt.Sprintf(`terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

provider "ha" {}

module "stack" {
  source              = %q
  blueprint           = %q
  database_password   = "bench-only-password"
  skip_final_snapshot = true
  create_dns_zones    = true
}
`, filepath.Join(root, "modules", "stack"), bp)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
			return err
		}
		// Modules only: the provider comes from dev_overrides, which
		// `terraform init` would try to look up in the registry.
		get := exec.Command(tf, "get", "-no-color")
		get.Dir, get.Env = dir, env
		if out, err := get.CombinedOutput(); err != nil {
			return fmt.Errorf("terraform get: %w\n%s", err, out)
		}
		usageFile := filepath.Join(work, "provider.usage")
		u, own, err := timedPlan(dir, tf, env, usageFile)
		if err != nil {
			return err
		}
		fmt.Printf("%-34s %s   (plan wall; provider CPU, RSS; terraform's own CPU %.2f s)\n",
			fmt.Sprintf("plan stack, %d components", total), u, own.Seconds())
		if refresh[n] {
			if err := refreshStack(dir, tf, env, usageFile, total); err != nil {
				return err
			}
		}
	}
	return nil
}

// refreshStack applies the stack on the local AWS endpoint, times the plan
// that refreshes every object of it (provider CPU and RSS as for the plan
// from empty), checks that plan is empty, and destroys the stack.
func refreshStack(dir, tf string, env []string, usageFile string, total int) error {
	run := func(args ...string) (usage, error) {
		cmd := exec.Command(tf, args...)
		cmd.Dir, cmd.Env = dir, env
		return measure(cmd)
	}
	applied, err := run("apply", "-no-color", "-input=false", "-lock=false", "-auto-approve", "-parallelism=20")
	defer func() {
		if _, err := run("destroy", "-no-color", "-input=false", "-lock=false", "-auto-approve", "-parallelism=20"); err != nil {
			fmt.Fprintln(os.Stderr, "scale: destroy:", err)
		}
	}()
	if err != nil {
		return err
	}
	fmt.Printf("%-34s %8.2f s   (apply wall on the local AWS endpoint)\n", fmt.Sprintf("apply stack, %d components", total), applied.wall.Seconds())
	// Exit code 2 is a plan with changes: a refresh that finds drift in
	// what it just applied is a bug, not a figure.
	u, own, err := timedPlan(dir, tf, env, usageFile, "-detailed-exitcode")
	if err != nil {
		return fmt.Errorf("refresh plan of the applied stack is not empty or failed: %w", err)
	}
	fmt.Printf("%-34s %s   (refresh plan wall; provider CPU, RSS; terraform's own CPU %.2f s)\n",
		fmt.Sprintf("refresh stack, %d components", total), u, own.Seconds())
	return nil
}

// timedPlan runs `terraform plan` (with extra arguments) in dir: the plan's
// wall time with the provider processes' CPU and peak RSS (from the
// wrapper's usageFile), and terraform's own CPU (its rusage includes the
// provider processes it waited for: the difference is its own).
func timedPlan(dir, tf string, env []string, usageFile string, extra ...string) (usage, time.Duration, error) {
	_ = os.Remove(usageFile)
	cmd := exec.Command(tf, append([]string{"plan", "-no-color", "-input=false", "-lock=false"}, extra...)...)
	cmd.Dir, cmd.Env = dir, env
	wall, err := measure(cmd)
	if err != nil {
		return usage{}, 0, err
	}
	u, err := providerUsage(usageFile)
	if err != nil {
		return usage{}, 0, err
	}
	u.wall = wall.wall
	return u, wall.cpu - u.cpu, nil
}
