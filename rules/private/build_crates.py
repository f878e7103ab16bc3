#!/usr/bin/env python3
"""Builds third-party crates with cargo, offline, from the vendored archive (a Bazel action).

The workspace's manifests and Cargo.lock decide versions and features exactly as in a Cargo
build; the workspace's own sources are replaced by empty stand-ins, so that editing them does
not rebuild the crates. Writes OUT/deps (every library built) and OUT/externs/NAME (an rustc
argument file naming the library of crate NAME).

usage: build_crates.py --cargo CARGO --rustc RUSTC --vendor TAR --lock LOCK --target TRIPLE
                       --out DIR [--package P]... [--extern NAME]... MANIFEST...
"""

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile


def stand_in_sources(manifest, workspace):
    """Creates the empty source files cargo expects for the package of `manifest`: a library,
    a main unless the package declares its library, and every file a target names."""
    package = os.path.dirname(manifest)
    text = open(os.path.join(workspace, manifest)).read()
    paths = {"src/lib.rs"}
    if "[lib]" not in text:
        paths.add("src/main.rs")
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("path = ") and line.endswith('.rs"'):
            paths.add(line.split('"')[1])
    for path in paths:
        full = os.path.join(workspace, package, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as source:
            source.write("" if path == "src/lib.rs" else "fn main() {}\n")


def main():
    parser = argparse.ArgumentParser()
    for flag in ["--cargo", "--rustc", "--vendor", "--lock", "--target", "--out"]:
        parser.add_argument(flag, required=True)
    parser.add_argument("--package", action="append", default=[])
    parser.add_argument("--all-targets", action="store_true")
    parser.add_argument("--extern", action="append", default=[], dest="externs")
    parser.add_argument("manifests", nargs="+")
    args = parser.parse_args()
    execroot = os.getcwd()

    # A fixed directory per set of inputs, so that cargo sees the same paths (and produces the
    # same files) wherever and whenever it runs; a lock keeps concurrent builds apart.
    key = hashlib.sha256(" ".join(sys.argv[1:]).encode()).hexdigest()[:16]
    work = "/tmp/wasm-plugin-crates-" + key
    lock = open(work + ".lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    shutil.rmtree(work, ignore_errors=True)
    try:
        build_in(work, execroot, args)
    finally:
        # Also after a failure: the directory holds gigabytes of build output.
        shutil.rmtree(work, ignore_errors=True)


def build_in(work, execroot, args):
    """Builds the crates in the directory `work` and writes the outputs."""
    workspace = os.path.join(work, "workspace")
    os.makedirs(workspace)
    # Manifests are named relative to the execution root; the workspace's root is where
    # Cargo.lock is (`external/rules_wasm_plugin` when the rules are another workspace's).
    root = os.path.dirname(args.lock)
    for manifest in args.manifests:
        relative = os.path.relpath(manifest, root) if root else manifest
        os.makedirs(os.path.join(workspace, os.path.dirname(relative)), exist_ok=True)
        shutil.copy(manifest, os.path.join(workspace, relative))
        if relative != "Cargo.toml":
            stand_in_sources(relative, workspace)
    shutil.copy(args.lock, os.path.join(workspace, "Cargo.lock"))
    with tarfile.open(args.vendor) as archive:
        archive.extractall(work)
    cargo_home = os.path.join(work, "cargo-home")
    os.makedirs(cargo_home)
    with open(os.path.join(cargo_home, "config.toml"), "w") as config:
        config.write(
            '[source.crates-io]\nreplace-with = "vendored"\n'
            '[source.vendored]\ndirectory = "{}"\n'.format(os.path.join(work, "vendor"))
        )
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("CARGO") or name.startswith("RUST"):
            del env[name]
    env.update({
        "CARGO_HOME": cargo_home,
        "CARGO_TARGET_DIR": os.path.join(work, "target"),
        "RUSTC": os.path.join(execroot, args.rustc),
        "CARGO_ENCODED_RUSTFLAGS": "--remap-path-prefix={}=/crates".format(work),
    })
    target = [] if args.target == "host" else ["--target", args.target]
    # --quiet: only errors reach the build's output, not a line per crate.
    command = [os.path.join(execroot, args.cargo), "build", "--quiet", "--offline", "--locked", "--release",
               "--message-format=json-render-diagnostics"] + target
    for package in args.package:
        command += ["--package", package]
    if args.all_targets:
        command.append("--all-targets")
    build = subprocess.run(command, cwd=workspace, env=env, stdout=subprocess.PIPE)
    if build.returncode != 0:
        sys.exit("cargo could not build the crates (see above)")

    # Which package each extern name means: a lock file may hold several versions of a crate
    # (thiserror 1 and 2), and only the one the workspace's packages depend on directly is right.
    metadata = subprocess.run(
        [command[0], "metadata", "--offline", "--locked", "--format-version", "1"],
        cwd=workspace, env=env, stdout=subprocess.PIPE, check=True,
    )
    metadata = json.loads(metadata.stdout)
    members = {package["id"] for package in metadata["packages"]
               if package["id"] in metadata["workspace_members"] and package["name"] in args.package}
    wanted = {}
    for node in metadata["resolve"]["nodes"]:
        if node["id"] in members:
            for dep in node["deps"]:
                wanted.setdefault(dep["name"], set()).add(dep["pkg"])

    out = os.path.join(execroot, args.out)
    os.makedirs(os.path.join(out, "deps"), exist_ok=True)
    os.makedirs(os.path.join(out, "externs"), exist_ok=True)
    # package id -> the library built for the requested target (or for the host, for proc-macros).
    libraries = {}
    for line in build.stdout.decode().splitlines():
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact":
            continue
        kinds = message["target"]["kind"]
        if not any(kind in ("lib", "rlib", "proc-macro") for kind in kinds):
            continue
        for filename in message["filenames"]:
            if not filename.endswith((".rlib", ".so")):
                continue
            shutil.copy(filename, os.path.join(out, "deps"))
            for_target = args.target == "host" or "/{}/".format(args.target) in filename
            if for_target or "proc-macro" in kinds:
                libraries[message["package_id"]] = os.path.join(args.out, "deps", os.path.basename(filename))
    for name in args.externs:
        packages = wanted.get(name, set())
        if len(packages) != 1:
            sys.exit("the packages {} depend directly on {} versions of `{}`: {}".format(
                ", ".join(args.package), len(packages), name, ", ".join(sorted(packages)) or "none"))
        package = packages.pop()
        if package not in libraries:
            sys.exit("cargo built no library for `{}` ({})".format(name, package))
        with open(os.path.join(out, "externs", name), "w") as argfile:
            argfile.write("--extern\n{}={}\n".format(name, libraries[package]))


if __name__ == "__main__":
    main()
