#!/usr/bin/env bash
# Builds the three bench plugins with the plugin profile and runs the benchmark in release mode.
# Usage: bench/run.sh [--smoke]
set -euo pipefail
cd "$(dirname "$0")"
../scripts/setup.sh
cargo build --quiet --locked --target wasm32-wasip1 --profile plugin \
  -p bench-plugin-ours -p bench-plugin-extism -p bench-plugin-raw
# Both binaries: the runner starts the memory probe (idle-memory) in processes of its own.
cargo build --quiet --locked --release -p bench-runner --bins
target/release/bench-runner target/wasm32-wasip1/plugin "$@"
