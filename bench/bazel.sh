#!/usr/bin/env bash
# Measures the Bazel build of this repository and of the user's workspace in tests/bazel/workspace
# and prints tables (BENCHMARKS.md keeps the results). This repository: a cold build of //...
# with an empty output base and an empty disk cache; after `bazel clean`, the same build from the
# disk cache; a no-op build; and, after an edit of one plugin's source, which actions run. The
# user's workspace: a cold build (its own output base and disk cache: the rules' crates compile
# again), a no-op build, an edit of a plugin's source, and a bump of one crate in its Cargo.lock.
#
# Works on a copy of the checkout (the working tree is not touched) with its own output bases
# and disk caches, deleted at the end. Each cold build compiles wasmtime: about 20 minutes in all
# on 2 cores.
#
# usage: bench/bazel.sh [--user-workspace-only]
set -euo pipefail
cd "$(dirname "$0")/.."
bazel=${BAZEL:-bazel}

scratch=$(mktemp -d /tmp/rules-wasm-plugin-bazel-bench.XXXXXX)
copy="$scratch/checkout"
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$copy"
cleanup() {
  for workspace in . tests/bazel/workspace; do
    (cd "$copy/$workspace" && "$bazel" --output_base="$(output_base "$workspace")" shutdown) >/dev/null 2>&1 || true
  done
  rm -rf "$scratch"
}
trap cleanup EXIT
output_base() { echo "$scratch/output-base-$(basename "$1")"; }

rows=()
workspace=.
# run KEY NAME BAZEL-ARGS...: times one Bazel command in $workspace (its output in
# $scratch/KEY.log) and records its process summary.
run() {
  local log="$scratch/$1.log" name=$2 start end summary
  shift 2
  start=$(date +%s.%N)
  (cd "$copy/$workspace" && "$bazel" --output_base="$(output_base "$workspace")" "$@" \
    --disk_cache="$scratch/disk-cache-$(basename "$workspace")") >"$log" 2>&1 || {
    cat "$log" >&2
    echo "bazel $* failed" >&2
    exit 1
  }
  end=$(date +%s.%N)
  summary=$(grep -E '^INFO: [0-9]+ processes' "$log" | tail -n 1 | sed -E 's/^INFO: //; s/\.$//' || true)
  rows+=("$(printf '| %s | %.1f s | %s |' "$name" "$(awk -v start="$start" -v end="$end" 'BEGIN { print end - start }')" "${summary:-0 processes}")")
  echo "$name: done" >&2
}

# actions KEY: the actions that ran in the command logged as KEY (run with --subcommands).
actions() {
  grep -E '^SUBCOMMAND: ' "$scratch/$1.log" | sed -E "s/.*\[action '([^']*)'.*/\1/" | sort
}
report() {
  echo
  echo "| build | wall time | processes |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
  rows=()
}

echo "Bazel $(dpkg-query -W -f '${Version}' bazel-bootstrap 2>/dev/null || "$bazel" info release), $(nproc) cores, $(date -u +%Y-%m-%d)"

# -- this repository
if [ "${1:-}" != --user-workspace-only ]; then
# The server's start-up is not part of any measurement.
(cd "$copy" && "$bazel" --output_base="$(output_base .)" info release) >/dev/null 2>&1
run cold "cold build //... (empty output base and disk cache)" build //...
run noop "no-op build //..." build //...
(cd "$copy" && "$bazel" --output_base="$(output_base .)" clean) >/dev/null 2>&1
run clean "build //... after bazel clean (disk cache)" build //...
printf '\n// An edit.\n' >>"$copy/examples/helloworld/plugin-morning/src/lib.rs"
run edit "build //... after editing examples/helloworld/plugin-morning/src/lib.rs" \
  build //... --subcommands
echo
echo "### This repository"
report
echo
echo "Actions that ran after the edit ($(actions edit | grep -c .)):"
actions edit | sed 's/^/- /'
fi

# -- the user's workspace
workspace=tests/bazel/workspace
(cd "$copy/$workspace" && "$bazel" --output_base="$(output_base "$workspace")" info release) >/dev/null 2>&1
run user-cold "cold build //... (empty output base and disk cache)" build //...
run user-noop "no-op build //..." build //...
printf '\n// An edit.\n' >>"$copy/$workspace/discount/lib.rs"
run user-edit "build //... after editing discount/lib.rs" build //... --subcommands
from=$(grep -A1 '^name = "regex-lite"' "$copy/$workspace/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
(cd "$copy/$workspace" && cargo update --quiet -p regex-lite --precise "${REGEX_LITE_BUMP:-0.1.6}")
to=$(grep -A1 '^name = "regex-lite"' "$copy/$workspace/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
run user-bump "build //... after regex-lite $from -> $to in Cargo.lock" build //... --subcommands
echo
echo "### The user's workspace (tests/bazel/workspace)"
report
echo
echo "Actions that ran after the edit of discount/lib.rs ($(actions user-edit | grep -c .)):"
actions user-edit | sed 's/^/- /'
echo
echo "Actions that ran after the bump of regex-lite ($(actions user-bump | grep -c .)):"
actions user-bump | sed 's/^/- /'

