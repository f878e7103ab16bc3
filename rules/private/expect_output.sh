#!/bin/sh
# A test: runs a program and compares what it prints with a file, byte for byte (trailing
# newlines included).
#   expect_output.sh PROGRAM EXPECTED [ARGUMENT]...
set -eu
program=$1 expected=$2
shift 2
actual=$(mktemp "${TEST_TMPDIR:-/tmp}/output.XXXXXX")
trap 'rm -f "$actual"' EXIT
"$program" "$@" >"$actual"
if ! cmp -s "$actual" "$expected"; then
  echo "$program printed something else than $expected:" >&2
  diff -u "$expected" "$actual" >&2 || true
  cmp "$expected" "$actual" >&2 || true
  exit 1
fi
