#!/usr/bin/env bash
# The snowform binary the later stages run, in SNOWFORM_BIN_DIR: kept when it is already
# there (the pipeline restores it from its cache, keyed on Cargo.lock, Cargo.toml and the
# sources, or from a pinned release), else tested and built from source.
#
#   SNOWFORM_BIN_DIR         where the binary goes (required)
#   SNOWFORM_RELEASE_URL     a release binary to download instead of building (optional),
#   SNOWFORM_RELEASE_SHA256  with its SHA-256, checked before it is used (required with the URL)
set -euo pipefail
: "${SNOWFORM_BIN_DIR:?set SNOWFORM_BIN_DIR to the directory of the snowform binary}"
bin="$SNOWFORM_BIN_DIR/snowform"
mkdir -p "$SNOWFORM_BIN_DIR"

if [[ -x "$bin" ]] && "$bin" --version >/dev/null 2>&1; then
  echo "Using the cached $("$bin" --version): the sources it was built and tested from are unchanged"
  exit 0
fi
if [[ -n "${SNOWFORM_RELEASE_URL:-}" ]]; then
  : "${SNOWFORM_RELEASE_SHA256:?set SNOWFORM_RELEASE_SHA256 to the SHA-256 of the release binary}"
  echo "Downloading the pinned release"
  curl --proto '=https' --tlsv1.2 -fsSL "$SNOWFORM_RELEASE_URL" -o "$bin.download"
  echo "$SNOWFORM_RELEASE_SHA256  $bin.download" | sha256sum -c -
  mv "$bin.download" "$bin"
  chmod +x "$bin"
  "$bin" --version
  exit 0
fi
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cargo --version
cargo test --locked
cargo build --release --locked
cp target/release/snowform "$bin"
"$bin" --version
