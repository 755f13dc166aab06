# A bucket name, or LOCATION/NAME.
terraform import ha_object_store.east us-east-1/shop-east-uploads
