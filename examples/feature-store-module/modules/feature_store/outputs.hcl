output "schema_fqn" {
  description = "The Feature Store schema, DATABASE.SCHEMA"
  value       = schema.feature_store.fqn
}

output "feature_views" {
  value = [feature_view.order_totals.name, feature_view.last_order.name]
}

output "consumer_role" {
  description = "The role that reads the team's feature views"
  value       = role.consumer.name
}
