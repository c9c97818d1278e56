# The state lives in the account, so that a pull-request plan and the apply after the merge,
# on different build machines, share it. One table holds every workspace's state. An
# administrator runs `snowform state init` once, which creates the database, the schema and
# the table (docs/ci.md); `snowform apply` creates the table too. `plan` and `drift` only
# read it.
backend "snowflake" {
  database = "SNOWFORM"
  schema   = "STATE"
  table    = "WORKSPACES"
}
