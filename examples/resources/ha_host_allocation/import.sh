# An allocation is imported by name with its members, oldest first.
terraform import ha_host_allocation.web 'dc1/web=r1-h01,r2-h01,r1-h02'
