# A team's Feature Store: a schema, the entity its features describe and two feature views.
# Roles and grants for the team's producers and consumers belong here too (access control
# comes with the role and grant blocks).

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
