# One warehouse and one schema per team, all in one shared database.
variable "teams" {
  type = map(object({ size = string, comment = string }))
  default = {
    ml = { size = "SMALL", comment = "Model training" }
    bi = { size = "XSMALL", comment = "Dashboards" }
  }
}

database "shared" {
  name    = "TEAMS"
  comment = "Shared by every team"
}

# ML_WH, BI_WH
warehouse "team" {
  for_each     = var.teams
  name         = "${upper(each.key)}_WH"
  size         = each.value.size
  auto_suspend = 60
  comment      = each.value.comment
}

# TEAMS.ML, TEAMS.BI
schema "team" {
  for_each = var.teams
  database = database.shared
  name     = upper(each.key)
  comment  = each.value.comment
}
