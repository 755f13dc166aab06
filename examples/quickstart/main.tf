# Quickstart: placeholder until the blueprint and backends land; the provider
# is configured from the local services' HA_* environment.
terraform {
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

provider "ha" {}

resource "terraform_data" "hello" {
  input = "terraform-provider-ha quickstart"
}

output "hello" {
  value = terraform_data.hello.output
}
