#!/bin/sh
# A test: runs a program and compares what it prints with a file.
#   expect_output.sh PROGRAM EXPECTED [ARGUMENT]...
set -eu
program=$1 expected=$2
shift 2
actual=$("$program" "$@")
if [ "$actual" != "$(cat "$expected")" ]; then
  echo "$program printed:" >&2
  echo "$actual" >&2
  echo "but $expected says:" >&2
  cat "$expected" >&2
  exit 1
fi
