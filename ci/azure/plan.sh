#!/usr/bin/env bash
# Plan one environment against the account, save the plan (plan.json, which the Apply stage
# applies exactly, after approval) and its markdown (plan.md), then, in a pull-request build,
# post it to the environment's own thread of the pull request. A plan that fails posts its
# error to that thread instead, so that reviewers never read an older plan as current.
# Exit 0 whether or not there are changes; 1 when planning or posting fails.
#
#   SNOWFORM_SKIP_COMMENT=true  never post (also skipped when SYSTEM_PULLREQUEST_PULLREQUESTID is unset)
set -euo pipefail
# shellcheck source=ci/azure/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan_file="$SNOWFORM_OUT/plan.json"
report="$SNOWFORM_OUT/plan.md"
errors="$SNOWFORM_OUT/plan.err"
# A failed plan must never leave an older saved plan behind to be published or applied.
rm -f "$plan_file" "$report" "$errors"

# --detailed-exitcode: 0 no changes, 2 changes, 1 error. Only 1 fails the step.
code=0
snowform plan --detailed-exitcode --out "$plan_file" --format markdown >"$report" 2>"$errors" || code=$?
cat "$errors" >&2
case "$code" in
  0) echo "snowform plan: no changes" ;;
  2) echo "snowform plan: there are changes" ;;
  *)
    rm -f "$plan_file"
    log_error "snowform plan failed for workspace $SNOWFORM_WORKSPACE (exit $code)"
    if posts_comments; then
      snowform comment azure-devops --plan-failed "$errors" ||
        log_error "the plan's error could not be posted to the pull request"
    fi
    exit 1
    ;;
esac
cat "$report"

if in_pipeline; then
  # The markdown on the run's Extensions tab as well.
  echo "##vso[task.uploadsummary]$report"
  echo "##vso[task.setvariable variable=planHasChanges;isOutput=true]$([[ $code == 2 ]] && echo true || echo false)"
fi

if truthy "${SNOWFORM_SKIP_COMMENT:-}"; then
  echo "SNOWFORM_SKIP_COMMENT is set: the plan is not posted"
elif [[ -z "${SYSTEM_PULLREQUEST_PULLREQUESTID:-}" ]]; then
  echo "Not a pull-request build (SYSTEM_PULLREQUEST_PULLREQUESTID is unset): the plan is not posted"
else
  snowform comment azure-devops --plan "$plan_file"
fi
