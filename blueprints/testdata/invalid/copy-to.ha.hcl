blueprint "x" {}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}
region "central" {
  cloud    = "gcp"
  location = "us-central1"
}
database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  backup {
    schedule = "daily"
    retain   = "7d"
    copy_to  = [region.east]
  }
}
database "users" {
  engine         = "mysql"
  version        = "8.0"
  instance_class = "db.t3.medium"
  backup {
    schedule = "daily"
    retain   = "7d"
    copy_to  = ["central"]
  }
}
