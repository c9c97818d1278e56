# shellcheck shell=bash
# Shared by plan.sh, apply.sh and drift.sh: where snowform, the configuration and the
# outputs are, all overridable so that the scripts run the same locally and in a pipeline.
#
#   SNOWFORM_BIN         the snowform binary (default: `snowform` on PATH)
#   SNOWFORM_DIR         the configuration directory (default: examples/mitsui-mlops)
#   SNOWFORM_OUT         where reports are written (default: $BUILD_ARTIFACTSTAGINGDIRECTORY/snowform,
#                        or ./snowform-out outside a pipeline)
#   SNOWFORM_CONNECTION  read by snowform itself: the connection (`sandbox` for the local sandbox)
#
# Nothing here prints a variable's value except paths; never add `set -x`: the
# environment holds the Snowflake key path and the pipeline's access token.

SNOWFORM_BIN="${SNOWFORM_BIN:-snowform}"
SNOWFORM_DIR="${SNOWFORM_DIR:-examples/mitsui-mlops}"
if [[ -n "${BUILD_ARTIFACTSTAGINGDIRECTORY:-}" ]]; then
  SNOWFORM_OUT="${SNOWFORM_OUT:-$BUILD_ARTIFACTSTAGINGDIRECTORY/snowform}"
else
  SNOWFORM_OUT="${SNOWFORM_OUT:-$PWD/snowform-out}"
fi

if ! command -v "$SNOWFORM_BIN" >/dev/null 2>&1; then
  echo "error: snowform not found at '$SNOWFORM_BIN'; set SNOWFORM_BIN to the built binary" >&2
  exit 1
fi
if [[ ! -d "$SNOWFORM_DIR" ]]; then
  echo "error: the configuration directory '$SNOWFORM_DIR' does not exist; set SNOWFORM_DIR" >&2
  exit 1
fi
mkdir -p "$SNOWFORM_OUT"
# Absolute, so that file arguments do not depend on how snowform resolves paths under -C.
SNOWFORM_OUT="$(cd "$SNOWFORM_OUT" && pwd)"

in_pipeline() { [[ -n "${TF_BUILD:-}" ]]; }

# An error in the pipeline's summary (a plain line elsewhere).
log_error() {
  if in_pipeline; then echo "##vso[task.logissue type=error]$*"; else echo "error: $*" >&2; fi
}

snowform() { "$SNOWFORM_BIN" -C "$SNOWFORM_DIR" "$@"; }

truthy() {
  case "${1:-}" in
    [Tt]rue | TRUE | 1 | [Yy]es) return 0 ;;
    *) return 1 ;;
  esac
}
