#!/usr/bin/env bash
# The whole test suite: formatting and lints, every test of the Cargo workspace (the integration
# tests build their wasm32-wasip1 plugins themselves), the benchmark in smoke mode, then the
# Bazel suite (tests/bazel/run.sh: `bazel test //...` and the checks around it).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== rustfmt"
cargo fmt --all --check
echo "== buildifier"
# Off: the warnings that ask for loads from rules_shell, rules_cc and protobuf's bazel/ directory,
# which do not exist for Bazel 4.2.3 (the Bazel this project is tested with).
native=native-proto,native-proto-info,native-sh-test,native-sh-binary,native-cc-binary
native+=,native-cc-library,native-cc-test,native-cc-import,native-cc-proto,native-cc-objc-library
native+=,native-cc-objc-import,native-cc-toolchain,native-cc-toolchain-suite,native-cc-fdo-profile
native+=,native-cc-fdo-prefetch-hints
.tools/go/bin/buildifier -mode=check -lint=warn --warnings="-${native//,/,-}" -r .
echo "== gofmt, go vet"
(cd tests/interop/go && test -z "$(gofmt -l .)" && go vet ./...)
echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests"
cargo test --workspace --locked
echo "== benchmark (smoke)"
(cd bench && cargo fmt --all --check && cargo clippy --release --all-targets --locked -- -D warnings)
bench/run.sh --smoke
echo "== Bazel"
tests/bazel/run.sh
