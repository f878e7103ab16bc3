#!/usr/bin/env bash
# The Bazel half of the test suite (scripts/test.sh runs it after the Cargo half):
#
# 1. `bazel test //...` through a shared HTTP cache: nginx with WebDAV on loopback, storing
#    entries in the layout of Bazel's disk cache (~/.cache/rules_wasm_plugin/bazel-disk-cache),
#    so that what any build of this machine produced is served;
# 2. a second checkout at another path, with an empty output base and no disk cache, builds
#    //... from that HTTP cache alone: every action must be a remote cache hit (actions are
#    path-independent);
# 3. misuse (tests/bazel/misuse): each target fails with an error that names it, and a build
#    whose descriptor sets lose the comments (where directives live) says which flag it needs;
# 4. the rules used from another workspace: a plugin builds there, and a Rust toolchain that
#    is not installed is reported with the command that installs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
repository=$PWD
bazel=${BAZEL:-bazel}

say() { printf '== %s\n' "$*"; }
fail() {
  printf 'FAILED: %s\n' "$*" >&2
  exit 1
}

scratch=$(mktemp -d /tmp/rules-wasm-plugin-bazel.XXXXXX)
cleanup() {
  [ -f "$scratch/nginx.pid" ] && kill "$(cat "$scratch/nginx.pid")" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# -- 1. the shared cache
store=${WASM_PLUGIN_BAZEL_CACHE:-$HOME/.cache/rules_wasm_plugin/bazel-disk-cache}
mkdir -p "$store" "$scratch/nginx"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Bazel asks for /ac/HASH and /cas/HASH; its disk cache keeps them in /ac/HA/HASH.
cat >"$scratch/nginx.conf" <<EOF
$([ "$(id -u)" -eq 0 ] && echo "user root;")
worker_processes 1;
pid $scratch/nginx.pid;
error_log $scratch/nginx/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $scratch/nginx/body;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:$port;
    location ~ ^/(ac|cas)/((..).*)\$ {
      alias $store/\$1/\$3/\$2;
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
EOF
nginx -c "$scratch/nginx.conf" -p "$scratch/nginx" -e "$scratch/nginx/error.log" ||
  fail "nginx did not start (see $scratch/nginx/error.log)"
cache=http://127.0.0.1:$port
shared=(--disk_cache= "--remote_cache=$cache")

say "bazel test //... (HTTP cache $cache)"
# --nocache_test_results: every test runs (a cached pass of the unsandboxed wasi example says
# nothing about this checkout).
"$bazel" test //... --nocache_test_results "${shared[@]}"

# -- 2. a second checkout at another path, an empty output base, the HTTP cache alone
say "a second checkout, built from the HTTP cache alone"
second="$scratch/second-checkout"
mkdir -p "$second"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$second"
(
  cd "$second"
  "$bazel" --output_base="$scratch/output-base" build //... "${shared[@]}" 2>&1 | tee "$scratch/second.log"
  "$bazel" --output_base="$scratch/output-base" shutdown
)
summary=$(grep -E '^INFO: [0-9]+ processes' "$scratch/second.log" | tail -n 1)
echo "second checkout: $summary"
# Every process a remote cache hit; "internal" ones are Bazel's own bookkeeping (symlinks, files
# written by the rules), not actions that run a tool.
others=$(sed -E 's/^INFO: [0-9]+ processes: //; s/\.$//' <<<"$summary" | tr ',' '\n' |
  grep -vE '^ *[0-9]+ (remote cache hit|internal)$' || true)
[ -z "$others" ] || fail "the second checkout ran actions instead of taking them from the cache: $others"
grep -q 'remote cache hit' <<<"$summary" || fail "the second checkout had no remote cache hit: $summary"

# -- 3. misuse
expect_failure() {
  local target=$1 message=$2 output
  shift 2
  if output=$("$bazel" build "$target" "$@" 2>&1); then
    fail "$target built, but it should fail with: $message"
  fi
  grep -qF -- "$message" <<<"$output" || {
    echo "$output" >&2
    fail "$target failed, but without saying: $message"
  }
  echo "$target fails as it should: $(grep -F -- "$message" <<<"$output" | head -n 1)"
}
say "misuse"
misuse=//tests/bazel/misuse
expect_failure "$misuse:no_plugin_service" \
  "ERROR: $misuse:no_plugin_service: $misuse:no_plugin_proto declares no service marked '// wasm:plugin type=plugin'"
expect_failure "$misuse:other_service_host" \
  "ERROR: $misuse:other_service_host: plugin $misuse:counter_plugin implements misuse.counter.Counter version 1 (from $misuse:counter_proto), but the host's proto $misuse:echo_proto declares misuse.echo.Echo version 1"
expect_failure "$misuse:other_version_host" \
  "ERROR: $misuse:other_version_host: plugin $misuse:counter_plugin implements misuse.counter.Counter version 1 (from $misuse:counter_proto), but the host's proto $misuse:counter_v2_proto declares misuse.counter.Counter version 2"

expect_failure "$misuse:counter_plugin" \
  "counter.proto: its descriptor set carries no comments, so its \`// wasm:plugin\` directives cannot be read; build with --experimental_proto_descriptor_sets_include_source_info" \
  --noexperimental_proto_descriptor_sets_include_source_info

# -- 4. the rules from another workspace: a plugin builds; a missing Rust toolchain is reported
say "the rules used from another workspace"
user="$scratch/user-workspace"
mkdir -p "$user"
user_workspace() {
  cat >"$user/WORKSPACE" <<EOF
local_repository(name = "rules_wasm_plugin", path = "$repository")

load("@rules_wasm_plugin//rules:repositories.bzl", "wasm_plugin_dependencies")

wasm_plugin_dependencies($1)
EOF
}
cat >"$user/BUILD.bazel" <<'EOF'
load("@rules_wasm_plugin//rules:defs.bzl", "wasm_plugin_library")

proto_library(
    name = "counter_proto",
    srcs = ["counter.proto"],
)

wasm_plugin_library(
    name = "plugin",
    srcs = ["plugin.rs"],
    proto = ":counter_proto",
)
EOF
cp tests/bazel/misuse/counter.proto "$user/counter.proto"
cp tests/bazel/misuse/counter_plugin.rs "$user/plugin.rs"
cp .bazelrc "$user/.bazelrc"
user_bazel() { (cd "$user" && "$bazel" --output_base="$scratch/user-output-base" "$@"); }

user_workspace ""
user_bazel build //:plugin "${shared[@]}"
wasm=$(user_bazel info bazel-bin 2>/dev/null)/plugin.wasm
[ "$(head -c 4 "$wasm" | od -An -tx1 | tr -d ' ')" = 0061736d ] || fail "$wasm is not a WebAssembly module"
echo "another workspace built $(wc -c <"$wasm") bytes of plugin.wasm"

user_workspace 'rust_version = "1.0.0"'
status=0
output=$(user_bazel build //:plugin "${shared[@]}" 2>&1) || status=$?
user_bazel shutdown || true
[ "$status" -ne 0 ] || fail "a build with a Rust toolchain that is not installed succeeded"
message='Rust 1.0.0 is not installed'
grep -qF "$message" <<<"$output" || {
  echo "$output" >&2
  fail "the missing toolchain was not reported as: $message"
}
grep -qF 'rustup toolchain install 1.0.0' <<<"$output" || fail "the error does not say how to install the toolchain"
echo "missing toolchain reported: $(grep -F "$message" <<<"$output" | head -n 1 | cut -c1-160)"

say "Bazel: all passed"
