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

# The scoring service's own user: a SERVICE user (no password) that signs in with a key
# pair, starts on the scoring warehouse as the runner role, and is granted that role. The
# key below is a throwaway public key made for this example with openssl (its private key
# was never kept): put the service's real public key here. A public key is no secret; the
# private key never belongs in the configuration or the state.
user "scoring" {
  name              = "${local.database}_SCORING_SVC"
  type              = "SERVICE"
  comment           = "Signs in as the scoring task graph's service"
  default_warehouse = warehouse.compute
  default_role      = role.model_runner
  rsa_public_key    = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5tUT6FBTvSnI/ZjwY8h6WpJhk9vHHn424Ubl9nw2kkz2hXvAdXE94/NyLqIZRBjNDmA6ZtF6zrNibc2Ug60s2mMl/cDEF0C0E/daB3GlDMsTUQHZvD+KmfPS3dQj/zXDMVXw5x5jVWaXC/JodTBbMrM1V3nKqXGTu1Hha9NjZPGQQkKEBXquehBNZyAm5d0xa8qF9Qa940Urp+U8lPti2X3W2ytsfAi8GH2j6EEKQyQCeYCe8uyWV+H4VPI4GENGVWFZQ+N/6tAXyMYn68ItbSOfzwElAzFZsnLGmgcex/XNwU6El87+FnwulBp/oz6B2guoofh14KDEDVoeKml/swIDAQAB"
}

role_grant "runner_to_scoring" {
  role = role.model_runner
  user = user.scoring
}
