blueprint "x" {}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}
region "west" {
  cloud    = "aws"
  location = "us-west-2"
  role     = "primary"
}
region "north" {
  cloud    = "aws"
  location = "ca-central-1"
  role     = "leader"
}
