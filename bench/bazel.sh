#!/usr/bin/env bash
# Measures the Bazel build of this repository and prints a table (BENCHMARKS.md keeps the
# results): a cold build of //... with an empty output base and an empty disk cache; after
# `bazel clean`, the same build from the disk cache; a no-op build; and, after an edit of one
# plugin's source, which actions run.
#
# Works on a copy of the checkout (the working tree is not touched) with its own output base and
# disk cache, deleted at the end. The cold build compiles wasmtime: about ten minutes on 2 cores.
#
# usage: bench/bazel.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bazel=${BAZEL:-bazel}

scratch=$(mktemp -d /tmp/rules-wasm-plugin-bazel-bench.XXXXXX)
copy="$scratch/checkout"
output_base="$scratch/output-base"
disk_cache="$scratch/disk-cache"
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$copy"
cleanup() {
  (cd "$copy" && "$bazel" --output_base="$output_base" shutdown) >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

rows=()
# run KEY NAME BAZEL-ARGS...: times one Bazel command (its output in $scratch/KEY.log) and
# records its process summary.
run() {
  local log="$scratch/$1.log" name=$2 start end summary
  shift 2
  start=$(date +%s.%N)
  (cd "$copy" && "$bazel" --output_base="$output_base" "$@" --disk_cache="$disk_cache") >"$log" 2>&1 || {
    cat "$log" >&2
    echo "bazel $* failed" >&2
    exit 1
  }
  end=$(date +%s.%N)
  summary=$(grep -E '^INFO: [0-9]+ processes' "$log" | tail -n 1 | sed -E 's/^INFO: //; s/\.$//' || true)
  rows+=("$(printf '| %s | %.1f s | %s |' "$name" "$(awk -v start="$start" -v end="$end" 'BEGIN { print end - start }')" "${summary:-0 processes}")")
  echo "$name: done" >&2
}

# The server's start-up is not part of any measurement.
(cd "$copy" && "$bazel" --output_base="$output_base" info release) >/dev/null 2>&1

run cold "cold build //... (empty output base and disk cache)" build //...
run noop "no-op build //..." build //...
(cd "$copy" && "$bazel" --output_base="$output_base" clean) >/dev/null 2>&1
run clean "build //... after bazel clean (disk cache)" build //...
printf '\n// An edit.\n' >>"$copy/examples/helloworld/plugin-morning/src/lib.rs"
run edit "build //... after editing examples/helloworld/plugin-morning/src/lib.rs" \
  build //... --subcommands
ran=$(grep -E '^SUBCOMMAND: ' "$scratch/edit.log" | sed -E "s/.*\[action '([^']*)'.*/\1/")

echo
echo "Bazel $(dpkg-query -W -f '${Version}' bazel-bootstrap 2>/dev/null || "$bazel" info release), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| build | wall time | processes |"
echo "|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Actions that ran after the edit ($(grep -c . <<<"$ran")):"
sed 's/^/- /' <<<"$ran"
