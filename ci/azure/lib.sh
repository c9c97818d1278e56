# shellcheck shell=bash
# Shared by the stage scripts (build.sh, plan.sh, apply.sh, drift.sh): where snowform, the
# configuration and the outputs are, all overridable so that the scripts run the same
# locally, in tests and in a pipeline. One environment per run of a script.
#
#   SNOWFORM_BIN         the snowform binary (default: `snowform` on PATH)
#   SNOWFORM_DIR         the configuration directory (default: examples/mitsui-mlops)
#   SNOWFORM_WORKSPACE   read by snowform itself: the workspace (environment); its values are
#                        DIR/workspaces/<workspace>.vars.hcl, read by snowform itself
#   SNOWFORM_VAR_FILE    an extra variable file (--var-file); it wins over the workspace's
#   SNOWFORM_OUT         where reports are written (default:
#                        $BUILD_ARTIFACTSTAGINGDIRECTORY/snowform/<workspace>, or
#                        ./snowform-out/<workspace> outside a pipeline)
#   SNOWFORM_CONNECTION  read by snowform itself: the connection (`sandbox` for the local sandbox)
#
# Nothing here prints a variable's value except paths and the workspace; never add `set -x`:
# the environment holds the Snowflake key path and the pipeline's access token.

SNOWFORM_BIN="${SNOWFORM_BIN:-snowform}"
SNOWFORM_DIR="${SNOWFORM_DIR:-examples/mitsui-mlops}"
export SNOWFORM_WORKSPACE="${SNOWFORM_WORKSPACE:-default}"
if [[ -n "${BUILD_ARTIFACTSTAGINGDIRECTORY:-}" ]]; then
  SNOWFORM_OUT="${SNOWFORM_OUT:-$BUILD_ARTIFACTSTAGINGDIRECTORY/snowform/$SNOWFORM_WORKSPACE}"
else
  SNOWFORM_OUT="${SNOWFORM_OUT:-$PWD/snowform-out/$SNOWFORM_WORKSPACE}"
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
echo "Environment: workspace $SNOWFORM_WORKSPACE, configuration $SNOWFORM_DIR"

in_pipeline() { [[ -n "${TF_BUILD:-}" ]]; }

# An error in the pipeline's summary (a plain line elsewhere).
log_error() {
  if in_pipeline; then echo "##vso[task.logissue type=error]$*"; else echo "error: $*" >&2; fi
}

snowform() {
  local extra=()
  if [[ -n "${SNOWFORM_VAR_FILE:-}" ]]; then extra+=(--var-file "$SNOWFORM_VAR_FILE"); fi
  "$SNOWFORM_BIN" -C "$SNOWFORM_DIR" ${extra[@]+"${extra[@]}"} "$@"
}

truthy() {
  case "${1:-}" in
    [Tt]rue | TRUE | 1 | [Yy]es) return 0 ;;
    *) return 1 ;;
  esac
}

# A pull-request build that posts its reports (SNOWFORM_SKIP_COMMENT=true never posts).
posts_comments() {
  ! truthy "${SNOWFORM_SKIP_COMMENT:-}" && [[ -n "${SYSTEM_PULLREQUEST_PULLREQUESTID:-}" ]]
}
