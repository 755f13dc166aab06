# Compile a blueprint (the stock web-active-passive one) and use its components.
data "ha_blueprint" "shop" {
  path = "${path.module}/../../blueprints/web-active-passive/web-active-passive.ha.hcl"
  variables = {
    image    = "ami-12c6146b"
    web_size = 3
  }
}

# One map per component kind, keyed by component key, ready for for_each.
output "load_balancer_names" {
  value = { for key, lb in data.ha_blueprint.shop.load_balancers : key => lb.name }
}

# The worst case of losing the primary region, against the blueprint's budget.
output "rto_seconds" {
  value = "${data.ha_blueprint.shop.objectives.rto} of ${data.ha_blueprint.shop.objectives.rto_budget}"
}

# Blueprint text inline; diagnostics name the filename given.
data "ha_blueprint" "inline" {
  filename = "inline.ha.hcl"
  source   = <<-EOT
    blueprint "tiny" {}
    region "east" {
      cloud    = "aws"
      location = "us-east-1"
      role     = "primary"
    }
    tier "web" {
      image         = "ami-12c6146b"
      instance_type = "t3.small"
    }
  EOT
}
