site "vd3" {

  ups "vd3-ups-a" { capacity_va = 20000 }
  ups "vd3-ups-b" { capacity_va = 20000 }
  pdu "vd3-pdu-a" {
    rack     = "r1"
    feed     = "vd3-ups-a"
    max_amps = 32
    outlets  = 8
  }
  pdu "vd3-pdu-b" {
    rack     = "r1"
    feed     = "vd3-ups-b"
    max_amps = 32
    outlets  = 8
  }
  host "vd3-h1" {
    rack    = "r1"
    address = "10.9.3.1"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "vd3-pdu-a"
      outlet = 1
    }
    psu "2" {
      pdu    = "vd3-pdu-b"
      outlet = 1
    }
  }
  host "vd3-h2" {
    rack    = "r1"
    address = "10.9.3.2"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "vd3-pdu-a"
      outlet = 2
    }
    psu "2" {
      pdu    = "vd3-pdu-b"
      outlet = 2
    }
  }
}
