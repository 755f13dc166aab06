# Three single-corded hosts, two of them behind feed A: no placement of
# three keeps an etcd majority through the loss of feed A.
site "pg1" {
  ups "pg1-ups-a" { capacity_va = 20000 }
  ups "pg1-ups-b" { capacity_va = 20000 }
  pdu "pg1-pdu-a" {
    rack     = "r1"
    feed     = "pg1-ups-a"
    max_amps = 32
    outlets  = 8
  }
  pdu "pg1-pdu-b" {
    rack     = "r1"
    feed     = "pg1-ups-b"
    max_amps = 32
    outlets  = 8
  }
  host "pg1-h1" {
    rack    = "r1"
    address = "10.9.4.1"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "pg1-pdu-a"
      outlet = 1
    }
  }
  host "pg1-h2" {
    rack    = "r1"
    address = "10.9.4.2"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "pg1-pdu-a"
      outlet = 2
    }
  }
  host "pg1-h3" {
    rack    = "r1"
    address = "10.9.4.3"
    cpus    = 8
    memory  = "32GiB"
    watts   = 300
    psu "1" {
      pdu    = "pg1-pdu-b"
      outlet = 1
    }
  }
}
