terraform {
  required_version = ">= 1.6"
  required_providers {
    ha = {
      source = "ha-blueprints/ha"
    }
  }
}
