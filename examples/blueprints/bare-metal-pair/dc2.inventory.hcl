# Inventory of site dc2: two UPS feeds, one rack with a PDU on each feed,
# six hosts with one power supply on each PDU.
site "dc2" {
  # The hosts' network, and the addresses virtual IPs of load-balanced
  # tiers are taken from when a blueprint names none.
  network  = "10.2.2.0/24"
  vip_pool = ["10.2.2.100", "10.2.2.101"]

  ups "ups-a" {
    capacity_va = 20000
    nut         = "ups-a@10.2.0.5:3493"
  }
  ups "ups-b" {
    capacity_va = 20000
    nut         = "ups-b@10.2.0.6:3493"
  }

  pdu "pdu-r1-a" {
    rack     = "r1"
    feed     = "ups-a"
    max_amps = 32
    snmp     = "10.2.1.11"
    outlets  = 24
  }
  pdu "pdu-r1-b" {
    rack     = "r1"
    feed     = "ups-b"
    max_amps = 32
    snmp     = "10.2.1.12"
    outlets  = 24
  }

  host "r1-h01" {
    rack    = "r1"
    address = "10.2.2.1"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    psu "1" {
      pdu    = "pdu-r1-a"
      outlet = 1
    }
    psu "2" {
      pdu    = "pdu-r1-b"
      outlet = 1
    }
  }

  host "r1-h02" {
    rack    = "r1"
    address = "10.2.2.2"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    psu "1" {
      pdu    = "pdu-r1-a"
      outlet = 2
    }
    psu "2" {
      pdu    = "pdu-r1-b"
      outlet = 2
    }
  }

  host "r1-h03" {
    rack    = "r1"
    address = "10.2.2.3"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    psu "1" {
      pdu    = "pdu-r1-a"
      outlet = 3
    }
    psu "2" {
      pdu    = "pdu-r1-b"
      outlet = 3
    }
  }

  host "r1-h04" {
    rack    = "r1"
    address = "10.2.2.4"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    psu "1" {
      pdu    = "pdu-r1-a"
      outlet = 4
    }
    psu "2" {
      pdu    = "pdu-r1-b"
      outlet = 4
    }
  }

  host "r1-h05" {
    rack    = "r1"
    address = "10.2.2.5"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    psu "1" {
      pdu    = "pdu-r1-a"
      outlet = 5
    }
    psu "2" {
      pdu    = "pdu-r1-b"
      outlet = 5
    }
  }

  host "r1-h06" {
    rack    = "r1"
    address = "10.2.2.6"
    cpus    = 32
    memory  = "256GiB"
    watts   = 450
    psu "1" {
      pdu    = "pdu-r1-a"
      outlet = 6
    }
    psu "2" {
      pdu    = "pdu-r1-b"
      outlet = 6
    }
  }
}
