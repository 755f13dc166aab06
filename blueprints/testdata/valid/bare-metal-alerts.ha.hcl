# Alerts on bare metal: dc1's exporter (on the host fed by both UPS units)
# watches ups-a and ups-b through NUT and web's HAProxy hosts through its
# health check (every 5 s, as HAProxy), and posts to the webhook; east's
# alarms go to CloudWatch and SNS as before. rto = 4m makes a UPS alarm
# after 1 poll and at 540 s of runtime left (4 min + 5 min margin).
blueprint "onsite" {}

objectives {
  rto = "4m"
}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "../../../examples/inventory/dc1.inventory.hcl"
  role      = "primary"
}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
}

tier "web" {
  image         = "ami-12c6146b"
  instance_type = "t3.small"
  capacity {
    min = 2
    max = 2
  }
  load_balancer {
    health_check {
      port     = 8080
      path     = "/healthz"
      interval = "5s"
      timeout  = "2s"
    }
  }
}

alerts {
  webhook = ["https://hooks.example.com/T000/B000/XXXX"]
}
