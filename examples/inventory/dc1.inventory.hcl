# A small data centre: two UPS units (A and B sides), two racks with one PDU
# per side each, dual-corded servers and a few single-corded appliances.
# The variables point the monitoring addresses somewhere else, e.g. at the
# local NUT and SNMP simulators in tests:
#   terraform-provider-ha inventory validate dc1.inventory.hcl --var nut_addr=127.0.0.1:3493

variable "nut_addr" {
  default     = "10.0.0.5:3493"
  description = "upsd host:port serving both UPS units"
}

variable "snmp_addr" {
  default     = "10.0.1.10:161"
  description = "SNMP agent host:port of the monitored PDUs"
}

site "dc1" {
  # The hosts' network, and the addresses virtual IPs of load-balanced
  # tiers are taken from when a blueprint names none.
  network  = "10.0.0.0/16"
  vip_pool = ["10.0.2.100", "10.0.2.101"]

  rack "r1" {}
  rack "r2" {}

  ups "ups-a" {
    capacity_va = 10000
    nut         = "ups-a@${var.nut_addr}"
  }
  ups "ups-b" {
    capacity_va = 10000
    nut         = "ups-b@${var.nut_addr}"
  }

  feed "a" { ups = "ups-a" }
  feed "b" { ups = "ups-b" }

  pdu "pdu-a" {
    rack      = "r1"
    feed      = "a"
    max_amps  = 32
    voltage   = 230
    outlets   = 8
    snmp      = var.snmp_addr
    community = "pdu-a"
  }
  pdu "pdu-b" {
    rack      = "r1"
    feed      = "b"
    max_amps  = 32
    outlets   = 8
    snmp      = var.snmp_addr
    community = "pdu-b"
  }
  pdu "pdu-r2-a" {
    rack     = "r2"
    feed     = "a"
    max_amps = 16
    outlets  = 8
  }
  pdu "pdu-r2-b" {
    rack     = "r2"
    feed     = "b"
    max_amps = 16
    outlets  = 8
  }

  host "r1-h01" {
    rack    = "r1"
    address = "10.0.2.1"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    tags    = ["ssd"]
    psu "1" {
      pdu    = "pdu-a"
      outlet = 1
    }
    psu "2" {
      pdu    = "pdu-b"
      outlet = 1
    }
  }
  host "r1-h02" {
    rack    = "r1"
    address = "10.0.2.2"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    tags    = ["ssd"]
    psu "1" {
      pdu    = "pdu-a"
      outlet = 2
    }
    psu "2" {
      pdu    = "pdu-b"
      outlet = 2
    }
  }
  # Single-corded appliances: one on each side.
  host "r1-h03" {
    rack    = "r1"
    address = "10.0.2.3"
    cpus    = 16
    memory  = "64GiB"
    watts   = 300
    tags    = ["single-psu"]
    psu "1" {
      pdu    = "pdu-a"
      outlet = 3
    }
  }
  host "r1-h04" {
    rack    = "r1"
    address = "10.0.2.4"
    cpus    = 16
    memory  = "64GiB"
    watts   = 300
    tags    = ["single-psu"]
    psu "1" {
      pdu    = "pdu-b"
      outlet = 3
    }
  }

  host "r2-h01" {
    rack    = "r2"
    address = "10.0.3.1"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    tags    = ["ssd"]
    psu "1" {
      pdu    = "pdu-r2-a"
      outlet = 1
    }
    psu "2" {
      pdu    = "pdu-r2-b"
      outlet = 1
    }
  }
  host "r2-h02" {
    rack    = "r2"
    address = "10.0.3.2"
    cpus    = 64
    memory  = "512GiB"
    watts   = 650
    psu "1" {
      pdu    = "pdu-r2-a"
      outlet = 2
    }
    psu "2" {
      pdu    = "pdu-r2-b"
      outlet = 2
    }
  }
  host "r2-h03" {
    rack    = "r2"
    address = "10.0.3.3"
    cpus    = 16
    memory  = "64GiB"
    watts   = 300
    tags    = ["single-psu"]
    psu "1" {
      pdu    = "pdu-r2-a"
      outlet = 3
    }
  }
  host "r2-h04" {
    rack    = "r2"
    address = "10.0.3.4"
    cpus    = 16
    memory  = "64GiB"
    watts   = 300
    tags    = ["single-psu"]
    psu "1" {
      pdu    = "pdu-r2-b"
      outlet = 3
    }
  }
}
