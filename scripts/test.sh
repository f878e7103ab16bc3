#!/usr/bin/env bash
# The whole test suite: formatting and lints, every test of the Cargo workspace (the integration
# tests build their wasm32-wasip1 plugins themselves), the benchmark in smoke mode, then the
# Bazel suite (tests/bazel/run.sh: `bazel test //...` and the checks around it).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# A test run must not change the tree (a golden test that rewrites its expected files, a build
# that writes into the sources): the state before, compared at the end.
tree_state() {
  git status --porcelain=v1 --untracked-files=all
  git diff HEAD --binary | sha256sum
  git ls-files --others --exclude-standard -z | xargs -0 -r sha256sum
}
before=$(tree_state)

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
(
  cd tests/interop/go
  unformatted=$(gofmt -l .)
  [ -z "$unformatted" ] || { echo "gofmt would change: $unformatted" >&2; exit 1; }
  go vet ./...
)
echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests"
cargo test --workspace --locked
echo "== benchmark (smoke)"
(cd bench && cargo fmt --all --check && cargo clippy --release --all-targets --locked -- -D warnings)
bench/run.sh --smoke
echo "== Bazel"
tests/bazel/run.sh
echo "== the tree is unchanged"
if [ "$(tree_state)" != "$before" ]; then
  echo "the test run changed the tree:" >&2
  git status --short >&2
  git diff --stat >&2
  exit 1
fi
