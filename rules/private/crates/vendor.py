#!/usr/bin/env python3
"""Fills a crates repository (wasm_plugin_crates_repository): vendors the crates a Cargo.lock
pins, asks Cargo how it would build them, and writes the BUILD files (render.py).

The only step that may use the network is `cargo vendor` (from the user's Cargo cache when it
has the crates). Everything after it runs offline against the vendored sources.

usage: vendor.py --cargo CARGO --rustc RUSTC --lockfile FILE --lockfile-label LABEL
                 --manifest FILE=LABEL... --repo NAME --rules @REPO --out DIR
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib

TARGETS = {"host": "x86_64-unknown-linux-gnu", "wasm32-wasip1": "wasm32-wasip1"}
DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")


def fail(message):
    sys.exit(message)


def stand_in_sources(manifest_path, text):
    """Creates the empty source files Cargo expects for a package: a library, a main unless the
    package declares its library, and every file a target names. The workspace's own sources are
    not needed: only its manifests decide what Cargo builds."""
    package_dir = os.path.dirname(manifest_path)
    manifest = tomllib.loads(text)
    if "package" not in manifest:
        return
    paths = {"src/lib.rs"}
    if "lib" not in manifest:
        paths.add("src/main.rs")
    for kind in ("lib", "bin", "test", "bench", "example"):
        entries = manifest.get(kind, [])
        for entry in entries if isinstance(entries, list) else [entries]:
            if "path" in entry:
                paths.add(entry["path"])
    build = manifest["package"].get("build")
    if isinstance(build, str):
        paths.add(build)
    for path in paths:
        if os.path.isabs(path):
            continue  # Such as "/dev/null" for a package whose sources only Bazel builds.
        full = os.path.join(package_dir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as source:
            source.write("fn main() {}\n" if path != "src/lib.rs" else "")


def locked_names(lockfile):
    with open(lockfile, "rb") as file:
        return {package["name"] for package in tomllib.load(file).get("package", [])}


def dependency_names(manifest):
    """(table, package name) of every dependency a manifest declares."""
    tables = []
    for table in DEPENDENCY_TABLES:
        tables.append((table, manifest.get(table, {})))
        tables.append(("workspace." + table, manifest.get("workspace", {}).get(table, {})))
        for platform, entries in manifest.get("target", {}).items():
            tables.append(("target.{}.{}".format(platform, table), entries.get(table, {})))
    for table, entries in tables:
        for key, spec in entries.items():
            if isinstance(spec, dict) and (spec.get("path") or spec.get("workspace")):
                continue
            yield table, (spec.get("package", key) if isinstance(spec, dict) else key)


def run(command, cwd, env, what):
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        fail("{} failed ({}):\n{}".format(what, " ".join(command), result.stderr.strip()))
    return result.stdout


def main():
    parser = argparse.ArgumentParser()
    for flag in ["--cargo", "--rustc", "--lockfile", "--lockfile-label", "--repo", "--rules", "--out"]:
        parser.add_argument(flag, required=True)
    parser.add_argument("--manifest", action="append", default=[], help="FILE=LABEL")
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    root = os.path.dirname(os.path.abspath(args.lockfile))
    manifests = [spec.split("=", 1) for spec in args.manifest]
    labels = ", ".join(label for _, label in manifests)

    # A Cargo workspace of the manifests alone, laid out as next to the lock file.
    workspace = os.path.join(out, "cargo-workspace")
    shutil.rmtree(workspace, ignore_errors=True)
    locked = locked_names(args.lockfile)
    missing = []
    for path, label in manifests:
        relative = os.path.relpath(os.path.abspath(path), root)
        if relative.startswith(".."):
            fail("{} is not below {}, the directory of {}: a crates repository reads manifests of the Cargo workspace whose lock file it is given".format(label, root, args.lockfile_label))
        with open(path) as file:
            text = file.read()
        target = os.path.join(workspace, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as file:
            file.write(text)
        stand_in_sources(target, text)
        for table, name in dependency_names(tomllib.loads(text)):
            if name not in locked:
                missing.append("`{}` ({} [{}])".format(name, label, table))
    if missing:
        fail("{lock} does not list {crates}: run `cargo update --workspace` (or `cargo generate-lockfile`) in {root} so that the lock file pins them, then build again".format(
            lock=args.lockfile_label, crates=", ".join(missing), root=root))
    shutil.copy(args.lockfile, os.path.join(workspace, "Cargo.lock"))
    if not os.path.exists(os.path.join(workspace, "Cargo.toml")):
        fail("the manifests ({}) hold no Cargo.toml next to {}: give the workspace's root manifest too".format(labels, args.lockfile_label))

    env = {key: value for key, value in os.environ.items() if not key.startswith(("CARGO_", "RUSTUP_TOOLCHAIN", "RUSTC"))}
    if "CARGO_HOME" in os.environ:
        env["CARGO_HOME"] = os.environ["CARGO_HOME"]
    env["RUSTC"] = os.path.abspath(args.rustc)
    vendor = os.path.join(out, "vendor")
    shutil.rmtree(vendor, ignore_errors=True)
    run([args.cargo, "vendor", "--locked", "--versioned-dirs", "--quiet", vendor], workspace, env,
        "vendoring the crates of {} (cargo vendor needs crates.io or the Cargo cache)".format(args.lockfile_label))
    # Build files shipped inside crates would cut the packages written below.
    for directory, _, files in os.walk(vendor):
        for name in files:
            if name in ("BUILD", "BUILD.bazel", "WORKSPACE", "WORKSPACE.bazel"):
                os.remove(os.path.join(directory, name))

    # From here on, offline: crates-io is the vendored directory.
    cargo_home = os.path.join(out, "cargo-home")
    os.makedirs(cargo_home, exist_ok=True)
    with open(os.path.join(cargo_home, "config.toml"), "w") as config:
        config.write('[source.crates-io]\nreplace-with = "vendored"\n[source.vendored]\ndirectory = "{}"\n'.format(vendor))
    offline = dict(env, CARGO_HOME=cargo_home, CARGO_TARGET_DIR=os.path.join(out, "cargo-target"))
    metadata = run([args.cargo, "metadata", "--offline", "--locked", "--format-version", "1"], workspace, offline,
                   "reading the manifests")
    with open(os.path.join(out, "metadata.json"), "w") as file:
        file.write(metadata)
    graphs = []
    for context, triple in TARGETS.items():
        # The unit graph is Cargo's build plan; RUSTC_BOOTSTRAP lets a stable Cargo print it.
        graph = run([args.cargo, "build", "--unit-graph", "-Z", "unstable-options", "--offline", "--locked",
                     "--release", "--workspace", "--all-targets", "--target", triple],
                    workspace, dict(offline, RUSTC_BOOTSTRAP="1"), "planning the build for " + triple)
        path = os.path.join(out, "unit-graph-{}.json".format(context))
        with open(path, "w") as file:
            file.write(graph)
        graphs += ["--graph", "{}={}".format(context, path)]

    render = os.path.join(os.path.dirname(os.path.abspath(__file__)), "render.py")
    subprocess.run([sys.executable, render, "--metadata", os.path.join(out, "metadata.json")] + graphs + [
        "--repo", args.repo, "--rules", args.rules, "--lockfile", args.lockfile_label,
        "--manifests", ",".join(label for _, label in manifests), "--out", out], check=True)
    shutil.rmtree(workspace)
    shutil.rmtree(os.path.join(out, "cargo-target"), ignore_errors=True)


if __name__ == "__main__":
    main()
