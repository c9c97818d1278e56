#!/usr/bin/env bash
# Every test: the Rust suite (unit, end-to-end against the sandbox, client against the
# sandbox's HTTP server), then the compatibility check of the Feature Store layout against
# the oldest and newest supported snowflake-ml-python releases (installed from PyPI into
# target/compat/ on the first run, reused after).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked
tests/compat/run.sh
