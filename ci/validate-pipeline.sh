#!/usr/bin/env bash
# Validate azure-pipelines.yml against the Azure Pipelines schema, with check-jsonschema
# installed into a throwaway virtual environment under target/ (nothing is installed
# globally). Run from anywhere; exits non-zero when the file does not validate.
#
#   CHECK_JSONSCHEMA_VERSION  the PyPI version to install (default: the newest)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/target/ci-venv"
python="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/check-jsonschema" ]]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "check-jsonschema${CHECK_JSONSCHEMA_VERSION:+==$CHECK_JSONSCHEMA_VERSION}"
fi
"$venv/bin/check-jsonschema" --version

# --data-transform azure-pipelines: resolves ${{ }} template expressions before checking.
# --regex-variant python: the schema's patterns are not all valid ECMAScript regexes.
cd "$root"
"$venv/bin/check-jsonschema" \
  --builtin-schema vendor.azure-pipelines \
  --data-transform azure-pipelines \
  --regex-variant python \
  azure-pipelines.yml

# What the schema cannot check: the stages, scripts, environments and cache (ci/check-pipeline.py).
"$venv/bin/python" ci/check-pipeline.py
