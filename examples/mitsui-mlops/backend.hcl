# The state lives in the account, so that a pull-request plan and the apply after the merge,
# on different build machines, share it. One table holds every workspace's state. An
# administrator creates the schema once (admin.sql; docs/ci.md); `snowform apply` or
# `snowform state init` creates the table. `plan` and `drift` only read it.
backend "snowflake" {
  database = "SNOWFORM"
  schema   = "STATE"
  table    = "WORKSPACES"
}
