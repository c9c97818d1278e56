-- What an administrator creates once for the example's `backend "snowflake"` (backend.hcl):
-- the database and schema of the state table (docs/ci.md, section 1, also grants them).
-- Against the sandbox:
--   snowform -C examples/mitsui-mlops sandbox exec "$(cat examples/mitsui-mlops/admin.sql)"
CREATE DATABASE IF NOT EXISTS SNOWFORM;
CREATE SCHEMA IF NOT EXISTS SNOWFORM.STATE;
