#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test of the workspace (the integration
# tests build their wasm32-wasip1 plugins themselves).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== rustfmt"
cargo fmt --all --check
echo "== gofmt, go vet"
(cd tests/interop/go && test -z "$(gofmt -l .)" && go vet ./...)
echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests"
cargo test --workspace --locked
echo "== benchmark (smoke)"
(cd bench && cargo fmt --all --check && cargo clippy --release --all-targets --locked -- -D warnings)
bench/run.sh --smoke
