# The raw data the ingestion side loads, in this environment's database. snowform declares
# the tables (the ingestion side fills them); Snowflake compiles a feature view's query when
# it is created, so they are created first. Change tracking lets the feature views' dynamic
# tables refresh incrementally.
schema "raw" {
  database = database.main
  name     = "RAW"
  comment  = "Raw data as loaded"
}

table "patients" {
  schema          = schema.raw
  name            = "PATIENTS"
  change_tracking = true
  comment         = "One row per patient"

  column "PATIENT_ID" {
    type = "NUMBER"
  }
  column "BIRTH_DATE" {
    type = "DATE"
  }
}

table "vitals" {
  schema          = schema.raw
  name            = "VITALS"
  change_tracking = true
  comment         = "Vital signs as measured"

  column "PATIENT_ID" {
    type = "NUMBER"
  }
  column "MEASURED_AT" {
    type = "TIMESTAMP_NTZ"
  }
  column "HEART_RATE" {
    type = "NUMBER"
  }
  column "SYSTOLIC_BP" {
    type = "NUMBER"
  }
  column "DIASTOLIC_BP" {
    type = "NUMBER"
  }
}

# Blood pressure readings for the clinic's dashboards; it reads VITALS, so it is created
# after it.
view "blood_pressure" {
  schema  = schema.raw
  name    = "BLOOD_PRESSURE"
  comment = "Blood pressure readings"
  query   = "SELECT measured_at, systolic_bp, diastolic_bp FROM ${table.vitals.fqn}"
}
