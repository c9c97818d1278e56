# One Feature Store module, used by two teams: each team gets its own Feature Store
# schema, entity and feature views in the shared database, refreshed on a shared
# warehouse. The objects inside are module.team["fraud"].schema.feature_store and so on.

warehouse "features" {
  name         = "FEATURES_WH"
  size         = "XSMALL"
  auto_suspend = 60
  comment      = "Feature refreshes of every team"
}

database "ml" {
  name    = "ML"
  comment = "Feature Stores of the teams"
}

variable "teams" {
  type = map(object({ customer_key = string, refresh = string }))
  default = {
    fraud = { customer_key = "CUSTOMER_ID", refresh = "1 hour" }
    churn = { customer_key = "CUSTOMER_ID", refresh = "1 day" }
  }
}

module "team" {
  for_each     = var.teams
  source       = "./modules/feature_store"
  team         = each.key
  database     = database.ml.name
  warehouse    = warehouse.features.name
  customer_key = each.value.customer_key
  refresh      = each.value.refresh
  source_table = "LANDING.RAW.ORDERS"
}

output "feature_store_schemas" {
  description = "The Feature Store schema of each team"
  value       = { for team, fs in module.team : team => fs.schema_fqn }
}

output "feature_views" {
  description = "Each team's feature views, by name"
  value       = { for team, fs in module.team : team => fs.feature_views }
}
