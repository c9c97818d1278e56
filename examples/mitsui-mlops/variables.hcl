# Which environment this configuration builds. DEV and PROD each get their own
# database; everything else is the same.
variable "env" {
  type        = string
  default     = "DEV"
  description = "The environment: DEV or PROD."

  validation {
    condition     = contains(["DEV", "PROD"], var.env)
    error_message = "env must be DEV or PROD."
  }
}

# Environments that share one account need a warehouse each (workspaces/*.vars.hcl).
variable "compute_warehouse" {
  type        = string
  default     = "COMPUTE_WH"
  description = "The name of the warehouse that refreshes the feature views and runs the tasks."
}

locals {
  # XYZ_DEV or XYZ_PROD
  database = "XYZ_${var.env}"
}
