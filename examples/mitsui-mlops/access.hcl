# Who may do what, after Snowflake's "Feature Store access control model" page: a producer
# role that builds the feature views and a consumer role that reads them, the consumer
# granted to the producer and the producer to SYSADMIN, and a runner role for the models of
# the registry. These roles are authoritative in this environment's database and warehouse:
# a privilege one of them holds there that no grant below gives is revoked by the plan.
role "fs_producer" {
  name    = "${local.database}_FS_PRODUCER"
  comment = "Builds and refreshes the feature views"
}

role "fs_consumer" {
  name    = "${local.database}_FS_CONSUMER"
  comment = "Reads the feature views"
}

role "model_runner" {
  name    = "${local.database}_MODEL_RUNNER"
  comment = "Runs inference with the registry's models"
}

role_grant "consumer_in_producer" {
  role = role.fs_consumer
  to   = role.fs_producer
}

role_grant "producer_in_sysadmin" {
  role = role.fs_producer
  to   = "SYSADMIN"
}

# Producers: create feature views and their tags, and operate what they refresh.
grant "producer_feature_store" {
  privileges = ["CREATE DYNAMIC TABLE", "CREATE TAG", "CREATE VIEW"]
  on         = schema.feature_store
  to         = role.fs_producer
}

grant "producer_dynamic_tables" {
  privileges = ["OPERATE"]
  on_future  = "DYNAMIC TABLES"
  in         = schema.feature_store
  to         = role.fs_producer
}

grant "producer_tasks" {
  privileges = ["OPERATE"]
  on_future  = "TASKS"
  in         = schema.feature_store
  to         = role.fs_producer
}

grant "producer_warehouse" {
  privileges = ["USAGE"]
  on         = warehouse.compute
  to         = role.fs_producer
}

# Consumers: read every feature view, including versions added later, on the warehouse.
# (snowform creates the feature views after these future grants, so no on_all is needed.)
grant "consumer_database" {
  privileges = ["USAGE"]
  on         = database.main
  to         = role.fs_consumer
}

grant "consumer_feature_store" {
  privileges = ["USAGE"]
  on         = schema.feature_store
  to         = role.fs_consumer
}

grant "consumer_dynamic_tables" {
  privileges = ["SELECT", "MONITOR"]
  on_future  = "DYNAMIC TABLES"
  in         = schema.feature_store
  to         = role.fs_consumer
}

grant "consumer_views" {
  privileges = ["SELECT", "REFERENCES"]
  on_future  = "VIEWS"
  in         = schema.feature_store
  to         = role.fs_consumer
}

grant "consumer_warehouse" {
  privileges = ["USAGE"]
  on         = warehouse.compute
  to         = role.fs_consumer
}

# The registry's runner: USAGE on the models (the Model Registry's privilege for
# inference on a warehouse), on their database and schema, and on the warehouse.
grant "runner_database" {
  privileges = ["USAGE"]
  on         = database.main
  to         = role.model_runner
}

grant "runner_feature_store" {
  privileges = ["USAGE"]
  on         = schema.feature_store
  to         = role.model_runner
}

grant "runner_models" {
  privileges = ["USAGE"]
  on_future  = "MODELS"
  in         = schema.feature_store
  to         = role.model_runner
}

grant "runner_warehouse" {
  privileges = ["USAGE"]
  on         = warehouse.compute
  to         = role.model_runner
}
