site "vd2" {
  network = "10.9.2.0/24"
  vip_pool = ["10.9.2.100"]
  ups "vd2-ups-a" { capacity_va = 20000 }
  ups "vd2-ups-b" { capacity_va = 20000 }
  pdu "vd2-pdu-a" {
    rack     = "r1"
    feed     = "vd2-ups-a"
    max_amps = 32
    outlets  = 8
  }
  pdu "vd2-pdu-b" {
    rack     = "r1"
    feed     = "vd2-ups-b"
    max_amps = 32
    outlets  = 8
  }
  host "vd2-h1" {
    rack    = "r1"
    address = "10.9.2.1"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "vd2-pdu-a"
      outlet = 1
    }
  }
  host "vd2-h2" {
    rack    = "r1"
    address = "10.9.2.2"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "vd2-pdu-a"
      outlet = 2
    }
  }
}
