# The Feature Store: its schema, the entity the features describe, and the
# feature views that compute them.
schema "feature_store" {
  database = database.main
  name     = "FEATURE_STORE"
  comment  = "Feature Store and Model Registry"
}

# Model files, one folder per model version.
stage "models" {
  schema  = schema.feature_store
  name    = "MODEL_ARTIFACTS"
  comment = "Model artifacts"
}

entity "patient" {
  schema    = schema.feature_store
  name      = "PATIENT"
  join_keys = ["PATIENT_ID"]
  comment   = "A patient of the clinic"
}

# A dynamic table, refreshed so that it is never more than a day old.
feature_view "patient_age" {
  schema       = schema.feature_store
  name         = "PATIENT_AGE"
  version      = "V1"
  entities     = [entity.patient]
  refresh_freq = "1 day"
  warehouse    = warehouse.compute
  comment      = "Age in whole years"
  query        = <<-SQL
    SELECT patient_id, CAST(DATEDIFF(year, birth_date, CURRENT_DATE()) AS NUMBER(3,0)) AS age
    FROM ${table.patients.fqn}
  SQL
}

# Refreshed every morning at 06:00 UTC on a cron schedule.
feature_view "patient_vitals" {
  schema        = schema.feature_store
  name          = "PATIENT_VITALS"
  version       = "V1"
  entities      = [entity.patient]
  refresh_freq  = "0 6 * * * UTC"
  warehouse     = warehouse.compute
  timestamp_col = "MEASURED_AT"
  comment       = "Latest vital signs"
  query         = <<-SQL
    SELECT patient_id, measured_at, heart_rate, systolic_bp, diastolic_bp
    FROM ${table.vitals.fqn}
  SQL
}
