variable "blueprint" {
  description = "Path of the blueprint file (`*.ha.hcl`); relative paths resolve against the root module's directory."
  type        = string
}

variable "variables" {
  description = "Values for the blueprint's `variable` blocks."
  type        = map(any)
  default     = {}
}

variable "lost_regions" {
  description = "Blueprint regions that are lost. One apply promotes the standby's replicas (or restores the newest copied snapshot), moves DNS to the standby and stops managing the lost region's objects."
  type        = list(string)
  default     = []
}

variable "replacements" {
  description = "Lost region => location to rebuild it in, as the new standby (for example `{ east = \"us-east-2\" }`)."
  type        = map(string)
  default     = {}
}

variable "primary_region" {
  description = "The region that serves after a recovery; set it to a rebuilt region (with lost_regions and replacements unchanged) to fail back to it."
  type        = string
  default     = null
}

variable "database_username" {
  description = "Master user name of every database the blueprint declares."
  type        = string
  default     = "ha_admin"
}

variable "database_password" {
  description = "Master password of every database the blueprint declares."
  type        = string
  sensitive   = true
}

variable "skip_final_snapshot" {
  description = "Delete databases without a final snapshot (test and demo stacks)."
  type        = bool
  default     = false
}

variable "dns_addresses" {
  description = "For the PowerDNS backend: blueprint region => addresses that answer for that region's tier (load balancers of a cloud have names, not stable addresses). Route 53 aliases the load balancers and ignores this."
  type        = map(list(string))
  default     = {}
}

variable "create_dns_zones" {
  description = "Create the DNS zones the blueprint names when they do not exist."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every taggable object (besides ha:blueprint and ha:component)."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "Manage only this blueprint region's components (one state per region); null manages every region."
  type        = string
  default     = null
}

variable "manage_dns" {
  description = "Manage the blueprint's DNS failover names here. With one state per region, exactly one state should."
  type        = bool
  default     = true
}

variable "peer_arns" {
  description = "Component key => ARN of databases and replicas managed in another state, for replicas and backup plans here that refer to them."
  type        = map(string)
  default     = {}
}

variable "peer_load_balancers" {
  description = "Component key => { dns_name, zone_id } of load balancers managed in another state, for DNS failover targets."
  type = map(object({
    dns_name = string
    zone_id  = string
  }))
  default = {}
}

variable "peer_gcp_addresses" {
  description = "Component key => forwarding rule address of GCP load balancers managed in another state, for Cloud DNS or PowerDNS failover targets here."
  type        = map(string)
  default     = {}
}

variable "inventory_variables" {
  description = "Values for the `variable` blocks of the bare-metal regions' inventories (addresses of UPS and PDU agents, say)."
  type        = map(string)
  default     = {}
}

variable "exclude_on_battery" {
  description = "Bare metal: read UPS status over NUT when allocating and avoid hosts whose UPS is on battery or low."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Delete every object with a bucket when it is destroyed (replaced after a disaster, or the stack torn down). Off by default: a bucket that holds objects refuses to go."
  type        = bool
  default     = false
}
