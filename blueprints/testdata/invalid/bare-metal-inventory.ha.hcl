blueprint "x" {}
region "dc1" {
  cloud = "bare_metal"
  role  = "primary"
}
region "dc2" {
  cloud     = "bare_metal"
  inventory = "missing.inventory.hcl"
}
