#!/usr/bin/env bash
# Installs what building and testing need, where it is missing: the Rust toolchain pinned in
# rust-toolchain.toml with rustfmt, clippy and the wasm32-wasip1 target; protoc with the
# well-known .proto files; Bazel 4.2.3 with Debian's rule sets; nginx (the shared-cache test);
# buf (the protoc plugin's tests run under protoc and buf); the Go modules of the go-plugin
# interoperability tests (pinned by tests/interop/go/go.sum). Safe to run again: once everything
# is there it only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

toolchain=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)

if ! command -v rustup >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/rustup" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    say "rustup is missing: install it from https://rustup.rs, then run this again"
    exit 1
  fi
fi

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  say "installing Rust $toolchain"
  rustup toolchain install "$toolchain" --profile minimal
fi
installed=$(rustup component list --toolchain "$toolchain" --installed 2>/dev/null)
for component in rustfmt clippy; do
  if ! grep -q "^$component" <<<"$installed"; then
    say "adding $component"
    rustup component add --toolchain "$toolchain" "$component"
  fi
done
if ! grep -q "^rust-std-wasm32-wasip1" <<<"$installed"; then
  say "adding the wasm32-wasip1 target"
  rustup target add --toolchain "$toolchain" wasm32-wasip1
fi

# Debian packages: protoc and the well-known .proto files; Bazel 4.2.3 and the rule sets it needs
# (Debian's builds, used as local repositories by WORKSPACE); Python 3.11 for the crates
# repositories (it reads Cargo's build plan); nginx for the shared-cache test.
packages=(protobuf-compiler libprotobuf-dev bazel-bootstrap bazel-platforms bazel-skylib
  bazel-rules-proto bazel-rules-java python3 nginx-light)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # policy-rc.d 101: the packages' services (nginx's) are not started; the tests start their own.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    trap '$sudo rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

buf_version=1.75.0
buf=".tools/buf/node_modules/.bin/buf"
if [ ! -x "$buf" ] || [ "$("$buf" --version 2>/dev/null)" != "$buf_version" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    say "npm is missing (buf is installed from npm): install Node.js, then run this again"
    exit 1
  fi
  say "installing buf $buf_version"
  npm install --silent --no-audit --no-fund --prefix .tools/buf "@bufbuild/buf@$buf_version" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
  say "Go is missing (the go-plugin interoperability tests need Go 1.24 or newer): install it, then run this again"
  exit 1
fi
(cd tests/interop/go && go mod download)

# buildifier (Starlark formatting and lint), pinned, from the Go module proxy.
buildtools=github.com/bazelbuild/buildtools
buildtools_version=v0.0.0-20260904073137-eaa4d125b423
buildifier=.tools/go/bin/buildifier
if [ ! -x "$buildifier" ] || [ "$(cat .tools/go/buildifier.version 2>/dev/null)" != "$buildtools_version" ]; then
  say "installing buildifier ($buildtools $buildtools_version)"
  GOBIN="$PWD/.tools/go/bin" go install "$buildtools/buildifier@$buildtools_version"
  echo "$buildtools_version" >.tools/go/buildifier.version
fi
