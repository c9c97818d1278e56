#!/usr/bin/env bash
# The main job, on the examples, against the embedded sandbox (no Snowflake account and no
# credentials): validate, plan, apply (the raw tables the feature views read first), plan
# again (no changes), an out-of-band change, drift, and the apply that puts it back. The configuration is copied to target/demo/ so
# you can look at its state and sandbox account afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "Building snowform (release)..."
cargo build --release --locked --quiet
SNOWFORM="$PWD/target/release/snowform"

DEMO="$PWD/target/demo/mitsui-mlops"
rm -rf "$DEMO"
mkdir -p "$DEMO"
cp examples/mitsui-mlops/*.hcl "$DEMO"/
cp -r examples/mitsui-mlops/procedures "$DEMO"/

step() {
  printf '\n\033[1m$ snowform %s\033[0m\n' "$*"
  "$SNOWFORM" -C "$DEMO" "$@"
}

step validate
# The state table's database and schema (backend.hcl), which an administrator creates once.
step --connection sandbox state init
step --connection sandbox plan
step --connection sandbox apply --auto-approve
step --connection sandbox plan --detailed-exitcode
step sandbox exec "ALTER WAREHOUSE COMPUTE_WH SET WAREHOUSE_SIZE = SMALL"
step sandbox exec "ALTER TASK XYZ_DEV.FEATURE_STORE.SCORE_PATIENTS SUSPEND"
set +e
step --connection sandbox drift
code=$?
set -e
echo "(drift exited $code: 2 means drift was found)"
step --connection sandbox plan
step --connection sandbox apply --auto-approve
step --connection sandbox drift
step --connection sandbox state list

printf '\nThe demo configuration, its state and its sandbox account are in %s\n' "$DEMO"
