#!/usr/bin/env bash
# Report what changed in the account outside snowform: the human report in the log (with
# one `##vso[task.logissue type=warning]` line per object, which snowform prints when
# TF_BUILD is set), drift.txt and drift.json in SNOWFORM_OUT.
# Exit 0 no drift, 2 drift (the run fails, so that someone looks), 1 error.
#
#   SNOWFORM_DRIFT_ARGS  extra arguments, e.g. --include-unmanaged
set -euo pipefail
# shellcheck source=ci/azure/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

read -r -a extra <<<"${SNOWFORM_DRIFT_ARGS:-}"
code=0
snowform drift --out "$SNOWFORM_OUT/drift.json" ${extra[@]+"${extra[@]}"} | tee "$SNOWFORM_OUT/drift.txt" || code=$?
case "$code" in
  0) echo "snowform drift: none" ;;
  2)
    log_error "snowform drift: the account differs from what snowform last applied; see the warnings above and the drift artifact"
    exit 2
    ;;
  *)
    log_error "snowform drift failed (exit $code)"
    exit 1
    ;;
esac
