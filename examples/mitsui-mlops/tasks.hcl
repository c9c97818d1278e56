# A daily task graph: score the patients at 07:00 UTC, after the vitals have
# been refreshed, then publish the scores.
task "score" {
  schema    = schema.feature_store
  name      = "SCORE_PATIENTS"
  warehouse = warehouse.compute
  schedule  = "USING CRON 0 7 * * * UTC"
  sql       = "CALL ${local.database}.FEATURE_STORE.SCORE_PATIENTS()"
  enabled   = true
  comment   = "Root of the daily scoring graph"
}

task "publish" {
  schema    = schema.feature_store
  name      = "PUBLISH_SCORES"
  warehouse = warehouse.compute
  after     = [task.score]
  sql       = "CALL ${local.database}.FEATURE_STORE.PUBLISH_SCORES()"
  enabled   = true
}
