#!/usr/bin/env bash
# Apply exactly the plan that was reviewed and approved: the plan.json the Plan stage saved
# and published. snowform refuses it as stale when the state or the account objects it
# touches changed since it was made (plan again, review again). Destructive changes (drops,
# replaces) are refused unless SNOWFORM_ALLOW_DESTROY is true: in the pipeline, only the
# `allowDestroy` parameter of a manually queued run sets it.
#
#   SNOWFORM_PLAN_FILE=path       the saved plan (default: $SNOWFORM_OUT/plan.json)
#   SNOWFORM_ALLOW_DESTROY=true   pass --allow-destroy
#   SNOWFORM_ALLOW_LOCAL_STATE=true  allow a pipeline run without `backend "snowflake"`
set -euo pipefail
# shellcheck source=ci/azure/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan_file="${SNOWFORM_PLAN_FILE:-$SNOWFORM_OUT/plan.json}"
if [[ ! -f "$plan_file" ]]; then
  log_error "no saved plan at $plan_file: apply runs only a plan that was made and reviewed (run plan.sh first; in the pipeline, the Plan stage publishes it)"
  exit 1
fi

# A pipeline agent is thrown away after the run, and a local state file with it: the next
# apply would then try to create everything again.
if in_pipeline && ! truthy "${SNOWFORM_ALLOW_LOCAL_STATE:-}" &&
  ! grep -qsE '^[[:space:]]*backend[[:space:]]+"snowflake"' "$SNOWFORM_DIR"/*.hcl; then
  log_error "the configuration in $SNOWFORM_DIR has no backend \"snowflake\" block: the state would be lost with the agent. Add one, or set SNOWFORM_ALLOW_LOCAL_STATE=true"
  exit 1
fi

args=(apply --auto-approve)
if truthy "${SNOWFORM_ALLOW_DESTROY:-}"; then
  echo "Destructive changes are allowed for this run (allowDestroy)"
  args+=(--allow-destroy)
fi
args+=("$plan_file")

code=0
snowform "${args[@]}" 2>&1 | tee "$SNOWFORM_OUT/apply.log" || code=$?
if [[ "$code" != 0 ]]; then
  log_error "snowform apply failed for workspace $SNOWFORM_WORKSPACE (exit $code); a stale plan is refused: run the pipeline again to plan and approve anew; if it refused destructive changes, review the plan and queue the pipeline on main with allowDestroy"
  exit "$code"
fi
