# A team's Feature Store: a schema, the entity its features describe, two feature views, and
# the role that reads them with its grants.

locals {
  schema_name = "${upper(var.team)}_FEATURES"
}

schema "feature_store" {
  database = var.database
  name     = local.schema_name
  comment  = "Feature Store of the ${var.team} team"
}

entity "customer" {
  schema    = schema.feature_store
  name      = "CUSTOMER"
  join_keys = [var.customer_key]
  comment   = "A customer"
}

feature_view "order_totals" {
  schema       = schema.feature_store
  name         = "ORDER_TOTALS"
  version      = "V1"
  entities     = [entity.customer]
  refresh_freq = var.refresh
  warehouse    = var.warehouse
  comment      = "Orders and spend per customer"
  query        = <<-SQL
    SELECT customer_id AS ${var.customer_key}, COUNT(*) AS orders, SUM(amount) AS spend
    FROM ${var.source_table}
    GROUP BY customer_id
  SQL
}

feature_view "last_order" {
  schema   = schema.feature_store
  name     = "LAST_ORDER"
  version  = "V1"
  entities = [entity.customer]
  comment  = "When each customer last ordered"
  query    = <<-SQL
    SELECT customer_id AS ${var.customer_key}, MAX(ordered_at) AS last_ordered_at
    FROM ${var.source_table}
    GROUP BY customer_id
  SQL
}

# The team's readers: USAGE on the database and the schema, and SELECT on every feature view
# version the moment it is created (a dynamic table, or a view when it has no refresh_freq).
role "consumer" {
  name    = "${upper(var.team)}_FS_CONSUMER"
  comment = "Reads the ${var.team} team's feature views"
}

grant "consumer_on_database" {
  privileges = ["USAGE"]
  on         = { kind = "DATABASE", name = var.database }
  to         = role.consumer
}

grant "consumer_on_schema" {
  privileges = ["USAGE"]
  on         = schema.feature_store
  to         = role.consumer
}

grant "consumer_future_dynamic_tables" {
  privileges = ["SELECT"]
  on_future  = "DYNAMIC TABLES"
  in         = schema.feature_store
  to         = role.consumer
}

grant "consumer_future_views" {
  privileges = ["SELECT"]
  on_future  = "VIEWS"
  in         = schema.feature_store
  to         = role.consumer
}
