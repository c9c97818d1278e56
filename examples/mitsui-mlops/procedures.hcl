# The task graph's code (tasks.hcl). RETRAIN_AGE_MODEL's body is a file of this directory;
# SCORE_WITH_CHAMPION's code is score.py on the model stage, put there with the model's
# artifacts. Any change re-creates a procedure with COPY GRANTS, so its grants stay.
procedure "retrain" {
  schema          = schema.feature_store
  name            = "RETRAIN_AGE_MODEL"
  arguments       = [{ name = "TRAIN_DAYS", type = "NUMBER" }]
  returns         = "VARCHAR"
  language        = "PYTHON"
  runtime_version = "3.11"
  packages        = ["snowflake-snowpark-python", "snowflake-ml-python", "scikit-learn"]
  handler         = "main"
  body            = file("procedures/retrain.py")
  comment         = "Retrains the age model and logs a new version"
}

procedure "score" {
  schema          = schema.feature_store
  name            = "SCORE_WITH_CHAMPION"
  returns         = "VARCHAR"
  language        = "PYTHON"
  runtime_version = "3.11"
  packages        = ["snowflake-snowpark-python", "snowflake-ml-python"]
  imports         = ["@${stage.models.fqn}/score.py"]
  handler         = "score.main"
  comment         = "Scores the patients with the CHAMPION version of the age model"
}
