#!/usr/bin/env bash
# Builds an example's plugins for wasm32-wasip1 and runs its host with them.
# Usage: scripts/run-example.sh helloworld|host-functions|wasi|known-types
set -euo pipefail
cd "$(dirname "$0")/.."

example=${1:-}
host_manifest="examples/$example/host/Cargo.toml"
if [ -z "$example" ] || [ ! -f "$host_manifest" ]; then
  echo "usage: scripts/run-example.sh EXAMPLE, one of: $(ls examples | tr '\n' ' ')" >&2
  exit 2
fi

scripts/setup.sh

host=$(sed -n 's/^name = "\(.*\)"/\1/p' "$host_manifest" | head -n 1)
plugins=$(sed -n 's/^plugins = \[\(.*\)\]/\1/p' "$host_manifest" | tr -d '",')

build_args=()
wasm_files=()
for plugin in $plugins; do
  build_args+=(--package "$plugin")
  wasm_files+=("target/wasm32-wasip1/plugin/${plugin//-/_}.wasm")
done

cargo build --quiet --locked --target wasm32-wasip1 --profile plugin "${build_args[@]}"
cargo run --quiet --locked --package "$host" -- "${wasm_files[@]}"
