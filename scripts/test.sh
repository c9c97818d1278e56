#!/usr/bin/env bash
# Every test: the Rust suite (unit, end-to-end against the sandbox, client against the
# sandbox's HTTP server), then the compatibility check of the Feature Store layout against
# the oldest and newest supported snowflake-ml-python releases (installed from PyPI into
# target/compat/ on the first run, reused after), then the smoke run of the side-by-side
# benchmark (snowform, SnowDDL and Titan plan one small account against the sandbox; their
# pinned releases are installed into target/sidebyside/ on the first run).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked
tests/compat/run.sh
cargo build --locked --quiet --bin snowform
SNOWFORM_BIN=target/debug/snowform python3 benches/side_by_side/run.py --smoke
