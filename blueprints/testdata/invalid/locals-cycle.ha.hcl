blueprint "x" {}
locals {
  a = local.b
  b = local.a
  c = "ok"
}
