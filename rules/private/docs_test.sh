#!/bin/sh
# Fails when a public symbol of rules/defs.bzl has no section in docs/rules.md.
set -eu
defs=$1 docs=$2
missing=0
for name in $(sed -n 's/^\([A-Za-z_][A-Za-z_0-9]*\) = .*/\1/p' "$defs"); do
  if ! grep -q "^##* $name\$" "$docs"; then
    echo "docs/rules.md has no section for $name (rules/defs.bzl exports it)" >&2
    missing=1
  fi
done
exit $missing
