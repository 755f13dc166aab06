# Web tier, active/passive across two GCP regions (tiers only).
# Compiles gcp-web-active-passive.ha.hcl (the stock blueprint of the same name) and shows what
# it expands to: run `terraform plan` to see the components and the
# computed RTO/RPO, or `terraform-provider-ha blueprint graph gcp-web-active-passive.ha.hcl`.
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

provider "ha" {}

data "ha_blueprint" "this" {
  path = "${path.module}/gcp-web-active-passive.ha.hcl"
}

output "components" {
  value = data.ha_blueprint.this.keys
}

output "regions" {
  value = { for name, r in data.ha_blueprint.this.regions : name => "${r.cloud} ${r.location} (${r.role})" }
}

output "objectives" {
  value = {
    rto        = data.ha_blueprint.this.objectives.rto
    rto_budget = data.ha_blueprint.this.objectives.rto_budget
    rpo        = data.ha_blueprint.this.objectives.rpo
    rpo_budget = data.ha_blueprint.this.objectives.rpo_budget
  }
}

output "load_balancers" {
  value = { for key, lb in data.ha_blueprint.this.load_balancers : key => lb.name }
}
