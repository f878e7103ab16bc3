#!/bin/sh
# Fails when a public symbol of rules/defs.bzl has no section in docs/rules.md, or when no public
# symbol is found at all (the pattern would then check nothing).
set -eu
defs=$1 docs=$2
names=$(sed -n 's/^\([A-Za-z_][A-Za-z_0-9]*\) = .*/\1/p' "$defs")
if [ -z "$names" ]; then
  echo "found no public symbol (NAME = ...) in $defs: the test would check nothing" >&2
  exit 1
fi
missing=0
for name in $names; do
  if ! grep -q "^##* $name\$" "$docs"; then
    echo "docs/rules.md has no section for $name (rules/defs.bzl exports it)" >&2
    missing=1
  fi
done
echo "checked $(echo "$names" | wc -l) public symbols of $defs"
exit $missing
