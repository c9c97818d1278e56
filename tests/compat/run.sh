#!/usr/bin/env bash
# Checks the Feature Store layout snowform writes with the code of the oldest and the
# newest supported snowflake-ml-python release (src/kinds/feature_view/mod.rs:
# ML_LIBRARY_OLDEST, ML_LIBRARY_NEWEST), and runs snowflake-connector-python and Snowpark
# (the versions those releases bring) against `snowform sandbox serve`
# (test_connector.py), and the library's Feature Store and Model Registry against the
# example applied by snowform, and the other way round through `snowform generate`
# (test_ml_library.py). One virtual environment per release under
# target/compat/, installed from PyPI once and reused; the plans of examples/mitsui-mlops
# and tests/compat/fixture are written offline by the snowform binary.
#
# Usage: tests/compat/run.sh            (builds target/debug/snowform if needed)
#   PYTHON=python3.11 tests/compat/run.sh   the interpreter for the environments; the
#                                           oldest release needs Python < 3.12
#   SNOWFORM_BIN=path tests/compat/run.sh   use that binary instead of building
# Exits non-zero when any release fails; prints each pytest summary line.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
const() {
    sed -n "s/^pub[()a-z]* const $1: &str = \"\(.*\)\";/\1/p" src/kinds/feature_view/mod.rs
}
oldest=$(const ML_LIBRARY_OLDEST)
newest=$(const ML_LIBRARY_NEWEST)
[ -n "$oldest" ] && [ -n "$newest" ] || { echo "cannot read the supported range from src/kinds/feature_view/mod.rs" >&2; exit 1; }

if [ -z "${PYTHON:-}" ]; then
    for candidate in python3.11 python3.10 python3.9 python3; do
        if command -v "$candidate" >/dev/null &&
            "$candidate" -c 'import sys; sys.exit(not ((3, 9) <= sys.version_info[:2] < (3, 12)))'; then
            PYTHON=$candidate
            break
        fi
    done
    if [ -z "${PYTHON:-}" ]; then
        echo "the compatibility check needs Python 3.9 to 3.11 (snowflake-ml-python $oldest supports no later one): install python3.11 or set PYTHON" >&2
        exit 1
    fi
fi

bin=${SNOWFORM_BIN:-}
if [ -z "$bin" ]; then
    cargo build --locked --quiet --bin snowform
    bin=$root/target/debug/snowform
fi

out=$root/target/compat
plans=$out/plans
rm -rf "$plans"
mkdir -p "$plans"
# The example without its backend.hcl: its state is in the account, and an offline plan
# needs a local state (none here).
example=$out/mitsui-mlops
rm -rf "$example"
mkdir -p "$example"
for f in examples/mitsui-mlops/*.hcl; do
    [ "$(basename "$f")" = backend.hcl ] || cp "$f" "$example/"
done
# The files its blocks read.
cp -R examples/mitsui-mlops/procedures "$example/"
for dir in "$example" tests/compat/fixture; do
    # An offline plan: no connection, the recorded state only (none here), so every object
    # is created and every statement is in the plan.
    "$bin" -C "$dir" plan --format json --refresh=false >"$plans/$(basename "$dir").json"
done

status=0
for v in "$oldest" "$newest"; do
    venv=$out/venv-$v
    if [ ! -f "$venv/.installed" ]; then
        start=$SECONDS
        rm -rf "$venv"
        "$PYTHON" -m venv "$venv"
        constraints=()
        # A release whose open dependencies have since moved on pins them here.
        [ -f "tests/compat/constraints-$v.txt" ] && constraints=(-c "tests/compat/constraints-$v.txt")
        "$venv/bin/pip" install --quiet --disable-pip-version-check "${constraints[@]}" "snowflake-ml-python==$v" pytest
        touch "$venv/.installed"
        echo "snowflake-ml-python $v: environment created in $((SECONDS - start)) s"
    fi
    echo "== snowflake-ml-python $v"
    start=$SECONDS
    if SNOWFORM_COMPAT_PLANS=$plans SNOWFORM_COMPAT_VERSION=$v SNOWFORM_BIN=$bin \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider \
        tests/compat/test_feature_view_metadata.py tests/compat/test_connector.py \
        tests/compat/test_ml_library.py; then
        echo "snowflake-ml-python $v: passed in $((SECONDS - start)) s"
    else
        echo "snowflake-ml-python $v: FAILED" >&2
        status=1
    fi
done
exit $status
