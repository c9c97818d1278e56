# What a team's Feature Store is made of.

variable "team" {
  type        = string
  description = "The team's short name: its schema is <TEAM>_FEATURES"
  validation {
    condition     = var.team == lower(var.team) && length(var.team) > 0
    error_message = "team is a non-empty lower-case name"
  }
}

variable "database" {
  type        = string
  description = "The database the Feature Store schema is created in"
}

variable "warehouse" {
  type        = string
  description = "The warehouse that refreshes the feature views"
}

variable "customer_key" {
  type    = string
  default = "CUSTOMER_ID"
}

variable "refresh" {
  type        = string
  default     = "1 day"
  description = "How fresh the feature views are kept"
}

variable "source_table" {
  type        = string
  description = "The raw orders table, DATABASE.SCHEMA.TABLE"
}
