blueprint "x" {}
variable "size" {
  type    = number
  default = 1
  validation {
    condition     = var.size >= 2
    error_message = "size must be at least 2."
  }
}
variable "image" {
  type = string
}
