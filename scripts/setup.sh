#!/usr/bin/env bash
# Installs what building and testing need, where it is missing: the Rust toolchain pinned in
# rust-toolchain.toml with rustfmt, clippy and the wasm32-wasip1 target, and protoc with the
# well-known .proto files, and buf (the protoc plugin's tests run under both), and the Go
# modules of the go-plugin interoperability tests (pinned by tests/interop/go/go.sum). Safe to run again: it only checks
# once everything is there.
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

if ! command -v protoc >/dev/null 2>&1 || [ ! -f /usr/include/google/protobuf/empty.proto ]; then
  say "installing protoc and the well-known .proto files"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq protobuf-compiler libprotobuf-dev >/dev/null
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
