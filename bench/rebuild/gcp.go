package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
)

// gcpConfig is modules/stack over one copy of the stock GCP blueprint, with
// the lost locations declared on the provider as a user would.
const gcpConfig = `
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

variable "lost_locations" {
  type    = list(string)
  default = []
}

provider "ha" {
  gcp {
    lost_locations = var.lost_locations
  }
}

variable "lost_regions" {
  type    = list(string)
  default = []
}

variable "replacements" {
  type    = map(string)
  default = {}
}

module "stack" {
  source              = %q
  blueprint           = %q
  database_password   = "bench-only-password"
  skip_final_snapshot = true
  create_dns_zones    = true
  lost_regions        = var.lost_regions
  replacements        = var.replacements
}
`

// gcpDRVars lose belgium (europe-west1) and rebuild it in europe-west3.
var gcpDRVars = []string{"-var", `lost_regions=["belgium"]`, "-var", `replacements={belgium="europe-west3"}`, "-var", `lost_locations=["europe-west1"]`}

// runGCP times the GCP stack. No call reaches the lost location, so its
// objects stay in the endpoint; each round therefore uses a blueprint name
// of its own, and the endpoint (the bench's own) goes at the end.
func runGCP(ctx context.Context, n int, tfPath string, keep bool) error {
	w, err := newWorkspace(ctx, n, tfPath, keep, "bench-rebuild-gcp-")
	if err != nil {
		return err
	}
	defer w.cleanup()
	root, work, rc := w.root, w.work, w.rc
	tfPath = w.tfPath
	stock, err := os.ReadFile(filepath.Join(root, "blueprints", "stock", "gcp-active-passive.ha.hcl"))
	if err != nil {
		return err
	}
	stack, err := services.Start(ctx, filepath.Join(work, "services"), services.GCP)
	if err != nil {
		return fmt.Errorf("start the local GCP endpoint: %w", err)
	}
	defer stack.Stop()
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	for k, v := range stack.Env {
		env = append(env, k+"="+v)
	}

	var applies, plans, drs []float64
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("gbench%d", i)
		dir := filepath.Join(work, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		bp := filepath.Join(dir, "bp.ha.hcl")
		if err := os.WriteFile(bp, []byte(strings.ReplaceAll(string(stock), "gshop", name)), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(fmt.Sprintf(gcpConfig, filepath.Join(root, "modules", "stack"), bp)), 0o644); err != nil {
			return err
		}
		tf := &terraform{path: tfPath, dir: dir, env: env, logs: filepath.Join(dir, "logs")}
		if err := os.MkdirAll(tf.logs, 0o755); err != nil {
			return err
		}
		if i == 1 {
			version, err := tf.version(ctx)
			if err != nil {
				return err
			}
			fmt.Printf("terraform %s, %d round(s), blueprints/stock/gcp-active-passive through modules/stack on the local GCP endpoint\n", version, n)
		}
		if _, err := tf.run(ctx, "get", "get"); err != nil {
			return err
		}
		step := func(name string, args ...string) (float64, error) {
			start := time.Now()
			_, err := tf.run(ctx, name, args...)
			return time.Since(start).Seconds(), err
		}
		var r timings
		if r.apply, err = step("apply", "apply", "-auto-approve", "-input=false"); err != nil {
			return fmt.Errorf("round %d: %w", i, err)
		}
		if r.plan, err = step("plan", "plan", "-input=false", "-detailed-exitcode"); err != nil {
			return fmt.Errorf("round %d: plain plan is not empty or failed: %w", i, err)
		}
		if r.dr, err = step("dr-apply", append([]string{"apply", "-auto-approve", "-input=false"}, gcpDRVars...)...); err != nil {
			return fmt.Errorf("round %d: DR apply: %w", i, err)
		}
		if _, err := step("dr-plan", append([]string{"plan", "-input=false", "-detailed-exitcode"}, gcpDRVars...)...); err != nil {
			return fmt.Errorf("round %d: plan after the DR apply is not empty or failed: %w", i, err)
		}
		fmt.Printf("round %d: initial apply %6.1fs  plain plan %5.1fs  DR apply %6.1fs\n", i, r.apply, r.plan, r.dr)
		applies, plans, drs = append(applies, r.apply), append(plans, r.plan), append(drs, r.dr)
	}
	fmt.Printf("summary (n=%d, min/median/max seconds):\n", n)
	for _, row := range []struct {
		name string
		xs   []float64
	}{{"initial apply", applies}, {"plain plan", plans}, {"DR apply", drs}} {
		s := drill.Summarize(row.xs)
		fmt.Printf("  %-14s %6.1f / %6.1f / %6.1f\n", row.name, s.Min, s.Median, s.Max)
	}
	return nil
}
