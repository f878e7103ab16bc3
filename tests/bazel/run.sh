#!/usr/bin/env bash
# The Bazel half of the test suite (scripts/test.sh runs it after the Cargo half):
#
# 1. `bazel test //...` through a shared HTTP cache: nginx with WebDAV on loopback, storing
#    entries in the layout of Bazel's disk cache (~/.cache/rules_wasm_plugin/bazel-disk-cache),
#    so that what any build of this machine produced is served;
# 2. a user's workspace (tests/bazel/workspace: the rules from outside, its own Cargo.lock and
#    crates, two interfaces sharing a .proto): `bazel test //...` there;
# 3. a second checkout at another path, with empty output bases and no disk cache, builds
#    //... of both workspaces from that HTTP cache alone: every action must be a remote cache
#    hit (actions are path-independent);
# 4. misuse (tests/bazel/misuse, and the user's workspace with a stale lock file or a crate it
#    does not depend on): each fails with an error that names the target or the lock file; a
#    build whose descriptor sets lose the comments says which flag it needs; a Rust toolchain
#    that is not installed is reported with the command that installs it.
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
  for base in "$scratch"/output-base-*; do
    [ -d "$base" ] && "$bazel" --output_base="$base" shutdown 2>/dev/null || true
  done
  rm -rf "$scratch"
}
trap cleanup EXIT

# -- the workspace lists of rules/repositories.bzl match Cargo.toml
members=$(python3 -c '
import tomllib
print("\n".join(["."] + tomllib.load(open("Cargo.toml", "rb"))["workspace"]["members"]))' | sort)
listed=$(sed -n 's|^    "//\([^:]*\):\(.*\)Cargo.toml",$|\1/\2|p' rules/repositories.bzl |
  sed -e 's|^/||' -e 's|/$||' -e 's|^$|.|' | sort)
[ "$members" = "$listed" ] || {
  diff <(echo "$members") <(echo "$listed") >&2 || true
  fail "RULES_MANIFESTS in rules/repositories.bzl does not list the members of Cargo.toml"
}

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

# -- 2. a user's workspace
user=tests/bazel/workspace
say "a user's workspace ($user): bazel test //..."
(cd "$user" && "$bazel" --output_base="$scratch/output-base-user" test //... --nocache_test_results "${shared[@]}")

# -- 3. a second checkout at another path, empty output bases, the HTTP cache alone
second="$scratch/second-checkout"
mkdir -p "$second"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$second"
# Every process a remote cache hit; "internal" ones are Bazel's own bookkeeping (symlinks, files
# written by the rules), not actions that run a tool.
expect_all_cached() {
  local log=$1 what=$2 summary others
  summary=$(grep -E '^INFO: [0-9]+ processes' "$log" | tail -n 1)
  echo "$what: $summary"
  others=$(sed -E 's/^INFO: [0-9]+ processes: //; s/\.$//' <<<"$summary" | tr ',' '\n' |
    grep -vE '^ *[0-9]+ (remote cache hit|internal)$' || true)
  [ -z "$others" ] || fail "$what ran actions instead of taking them from the cache: $others"
  grep -q 'remote cache hit' <<<"$summary" || fail "$what had no remote cache hit: $summary"
}
for workspace in . "$user"; do
  say "a second checkout of $workspace, built from the HTTP cache alone"
  name=$(basename "$(cd "$workspace" && pwd)")
  (cd "$second/$workspace" && "$bazel" --output_base="$scratch/output-base-second-$name" build //... "${shared[@]}") 2>&1 |
    tee "$scratch/second-$name.log"
  expect_all_cached "$scratch/second-$name.log" "the second checkout of $workspace"
done

# -- 4. misuse
# expect_failure DIRECTORY OUTPUT_BASE TARGET MESSAGE [BUILD OPTION]...
expect_failure() {
  local directory=$1 base=$2 target=$3 message=$4 output
  shift 4
  if output=$(cd "$directory" && "$bazel" --output_base="$base" build "$target" "$@" 2>&1); then
    fail "$target built, but it should fail with: $message"
  fi
  grep -qF -- "$message" <<<"$output" || {
    echo "$output" >&2
    fail "$target failed, but without saying: $message"
  }
  echo "$target fails as it should: $(grep -F -- "$message" <<<"$output" | head -n 1 | cut -c1-300)"
}
say "misuse"
misuse=//tests/bazel/misuse
in_repository() { expect_failure . "$scratch/output-base-misuse" "$@"; }
in_repository "$misuse:no_plugin_service" \
  "ERROR: $misuse:no_plugin_service: its protos ($misuse:no_plugin_proto) declare no service marked '// wasm:plugin type=plugin'"
in_repository "$misuse:other_service_host" \
  "ERROR: $misuse:other_service_host: plugin $misuse:counter_plugin implements misuse.counter.Counter version 1, but the host's protos ($misuse:echo_proto) declare misuse.echo.Echo version 1"
in_repository "$misuse:other_version_host" \
  "ERROR: $misuse:other_version_host: plugin $misuse:counter_plugin implements misuse.counter.Counter version 1, but the host's protos ($misuse:counter_v2_proto) declare misuse.counter.Counter version 2"
in_repository "$misuse:unimplemented_proto_host" \
  "ERROR: $misuse:unimplemented_proto_host: proto $misuse:echo_proto declares misuse.echo.Echo version 1, but none of its plugins ($misuse:counter_plugin) implements it"
in_repository "$misuse:not_a_crate" \
  "'$misuse:counter_sources' does not have mandatory providers"
in_repository "$misuse:extern_crate_without_a_protobuf_path" \
  "$misuse:extern_crate_without_a_protobuf_path: extern_crates gives $misuse:some_crate the protobuf path \`::some_crate\`: write it as \`.package\` or \`.package.Message\`"
in_repository "$misuse:options_and_a_dep_with_build_glue" \
  "$misuse:options_and_a_dep_with_build_glue: glue_options applies to $misuse:counter_proto, which $misuse:reading_proto reaches with the build's options"
in_repository "$misuse:options_and_a_proto_between" \
  "$misuse:options_and_a_proto_between: glue_options applies to $misuse:counter_proto, which $misuse:reading_proto imports with the build's options (through $misuse:log_proto)"
in_repository "$misuse:wrong_glue_options" \
  "in glue_options attribute of wasm_plugin_library rule $misuse:wrong_glue_options: '$misuse:counter_sources' does not have mandatory providers: 'WasmPluginGlueOptionsInfo'"
in_repository "$misuse:counter_plugin" \
  "counter.proto: its descriptor set carries no comments, so its \`// wasm:plugin\` directives cannot be read; build with --experimental_proto_descriptor_sets_include_source_info" \
  --noexperimental_proto_descriptor_sets_include_source_info

# The user's workspace, edited in a copy.
broken="$scratch/broken"
cp -r "$second" "$broken"
in_broken() { expect_failure "$broken/$user" "$scratch/output-base-broken" "$@"; }
in_broken @crates//:clap_lex \
  "@crates//:clap_lex: \`clap_lex\` is in //:Cargo.lock, but no manifest (//:Cargo.toml) depends on it directly"
cp "$broken/$user/Cargo.toml" "$scratch/Cargo.toml"
printf 'itoa = "1"\n' >>"$broken/$user/Cargo.toml"
in_broken //:shop "//:Cargo.lock does not list \`itoa\` (//:Cargo.toml [dependencies])"
cp "$scratch/Cargo.toml" "$broken/$user/Cargo.toml"
sed -i 's/^wasm_plugin_dependencies()$/wasm_plugin_dependencies(rust_version = "1.0.0")/' "$broken/$user/WORKSPACE"
in_broken //:shop "Rust 1.0.0 is not installed"
in_broken //:shop "rustup toolchain install 1.0.0"

say "Bazel: all passed"
