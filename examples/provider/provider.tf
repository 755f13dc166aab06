# One provider block serves every region: resources take `location` themselves.
# Every setting may instead come from HA_* environment variables.
provider "ha" {
  aws {
    endpoint   = "http://127.0.0.1:5000" # a local AWS endpoint; omit for real AWS
    access_key = "testing"
    secret_key = "testing"
  }

  powerdns {
    api_url = "http://127.0.0.1:8081"
    api_key = var.powerdns_api_key
  }

  nut {
    timeout = "2s"
  }

  snmp {
    community = var.snmp_community
  }
}

variable "powerdns_api_key" {
  type      = string
  sensitive = true
}

variable "snmp_community" {
  type      = string
  sensitive = true
  default   = "public"
}
