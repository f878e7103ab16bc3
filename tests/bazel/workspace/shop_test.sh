#!/bin/sh
# The shop prices with the discount plugin and records with the audit plugin; an item the
# catalog (a host function) does not know fails the run with the host's message.
set -eu
shop=$1
here=$(dirname "$0")
actual=$(mktemp "${TEST_TMPDIR:-/tmp}/shop.XXXXXX")
"$shop" --coupon SAVE15 >"$actual"
cmp "$actual" "$here/expected_output.txt" || {
  echo "the shop printed:" >&2
  cat "$actual" >&2
  exit 1
}
if "$shop" --item kite >"$actual" 2>&1; then
  echo "pricing an unknown item succeeded" >&2
  exit 1
fi
grep -q "no kite on the shelf" "$actual" || {
  echo "the failure does not carry the catalog's message:" >&2
  cat "$actual" >&2
  exit 1
}
