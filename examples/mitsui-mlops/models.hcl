# The age model in the Model Registry. V2 is the default and the champion.
model "age" {
  schema          = schema.feature_store
  name            = "AGE_MODEL"
  comment         = "Predicts a patient's age from their vitals"
  default_version = "V2"

  version "V1" {
    source  = "@${stage.models.fqn}/age_model/v1"
    comment = "Baseline"
  }

  version "V2" {
    source  = "@${stage.models.fqn}/age_model/v2"
    comment = "Retrained with vital signs"
    alias   = "CHAMPION"
    metadata = {
      metrics = { rmse = 4.2, mae = 3.1 }
    }
  }
}
