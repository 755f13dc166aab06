# Import with the name; the hosts and the rest come from configuration on the next apply.
terraform import ha_virtual_ip.web shop-dc1-web
