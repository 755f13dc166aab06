# The standby region's bucket, then the primary that replicates into it.
resource "ha_object_store" "west" {
  location  = "us-west-2"
  name      = "shop-west-uploads"
  component = "west/uploads/object_store"
  blueprint = "shop"
}

resource "ha_object_store" "east" {
  location           = "us-east-1"
  name               = "shop-east-uploads"
  component          = "east/uploads/object_store"
  blueprint          = "shop"
  copy_to_bucket_arn = ha_object_store.west.arn
  copy_to_location   = ha_object_store.west.location
}
