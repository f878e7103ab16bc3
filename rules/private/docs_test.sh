#!/bin/sh
# Fails when a public symbol of the given .bzl files has no section in docs/rules.md, or when no
# public symbol is found at all (the pattern would then check nothing).
#   docs_test.sh DOCS BZL...
set -eu
docs=$1
shift
missing=0 count=0
for bzl in "$@"; do
  names=$(sed -n 's/^\([A-Za-z_][A-Za-z_0-9]*\) = .*/\1/p' "$bzl")
  if [ -z "$names" ]; then
    echo "found no public symbol (NAME = ...) in $bzl: the test would check nothing" >&2
    exit 1
  fi
  for name in $names; do
    count=$((count + 1))
    if ! grep -q "^##* $name\$" "$docs"; then
      echo "$docs has no section for $name ($bzl exports it)" >&2
      missing=1
    fi
  done
done
echo "checked $count public symbols of $*"
exit $missing
