provider "ha" {
  nut {
    timeout = "2s"
  }
  snmp {
    timeout   = "2s"
    community = "public"
  }
}

# Every monitored UPS and PDU of the inventory, plus one UPS named here.
data "ha_power_status" "dc1" {
  inventory = "${path.module}/../../inventory/dc1.inventory.hcl"
  ups = {
    "ups-lab" = "ups-lab@10.0.9.5:3493"
  }
  timeout = "10s"
}

output "on_battery" {
  value = [for name, u in data.ha_power_status.dc1.ups_status : name if u.on_battery]
}

output "pdu_a_amps" {
  value = [for l in data.ha_power_status.dc1.pdu_status["pdu-a"].loads : l.amps]
}
