site "vd1" {
  network = "10.9.1.0/24"
  ups "vd1-ups-a" { capacity_va = 20000 }
  ups "vd1-ups-b" { capacity_va = 20000 }
  pdu "vd1-pdu-a" {
    rack     = "r1"
    feed     = "vd1-ups-a"
    max_amps = 32
    outlets  = 8
  }
  pdu "vd1-pdu-b" {
    rack     = "r1"
    feed     = "vd1-ups-b"
    max_amps = 32
    outlets  = 8
  }
  host "vd1-h1" {
    rack    = "r1"
    address = "10.9.1.1"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "vd1-pdu-a"
      outlet = 1
    }
    psu "2" {
      pdu    = "vd1-pdu-b"
      outlet = 1
    }
  }
  host "vd1-h2" {
    rack    = "r1"
    address = "10.9.1.2"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "vd1-pdu-a"
      outlet = 2
    }
    psu "2" {
      pdu    = "vd1-pdu-b"
      outlet = 2
    }
  }
}
