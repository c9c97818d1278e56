# A daily task graph: score the patients at 07:00 UTC with the champion model, then
# retrain the model on the last 30 days. Each task calls its procedure (procedures.hcl) by
# reference, so the procedures are created first and dropped last.
task "score" {
  schema    = schema.feature_store
  name      = "SCORE_PATIENTS"
  warehouse = warehouse.compute
  schedule  = "USING CRON 0 7 * * * UTC"
  sql       = "CALL ${procedure.score.fqn}()"
  enabled   = true
  comment   = "Root of the daily scoring graph"
}

task "retrain" {
  schema    = schema.feature_store
  name      = "RETRAIN_AGE_MODEL"
  warehouse = warehouse.compute
  after     = [task.score]
  sql       = "CALL ${procedure.retrain.fqn}(30)"
  enabled   = true
}
