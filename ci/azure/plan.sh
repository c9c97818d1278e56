#!/usr/bin/env bash
# Plan against the account, save the plan (plan.json, for `apply FILE` and the comment) and
# its markdown (plan.md), then post it to the pull request when this is a pull-request
# build. Exit 0 whether or not there are changes; 1 when planning or posting fails.
#
#   SNOWFORM_SKIP_COMMENT=true  never post (also skipped when SYSTEM_PULLREQUEST_PULLREQUESTID is unset)
set -euo pipefail
# shellcheck source=ci/azure/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan_file="$SNOWFORM_OUT/plan.json"
report="$SNOWFORM_OUT/plan.md"

# --detailed-exitcode: 0 no changes, 2 changes, 1 error. Only 1 fails the step.
code=0
snowform plan --detailed-exitcode --out "$plan_file" --format markdown >"$report" || code=$?
case "$code" in
  0) echo "snowform plan: no changes" ;;
  2) echo "snowform plan: there are changes" ;;
  *)
    log_error "snowform plan failed (exit $code)"
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
