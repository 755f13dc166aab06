blueprint "x" {}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
}
