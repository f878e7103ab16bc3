#!/usr/bin/env python3
"""Writes the BUILD files of a crates repository (wasm_plugin_crates_repository).

Cargo plans the build: `cargo build --unit-graph` (one graph per target platform) lists every
crate to compile with the features, dependencies and build scripts Cargo resolved for it, for
the target ("host", "wasm32-wasip1") and for the build machine ("exec": build scripts,
proc-macros and their dependencies). This script turns that plan into one Bazel package per
vendored crate, so that each crate is compiled by an action of its own:

    vendor/<name>-<version>/BUILD.bazel
        <crate>              the library: host and wasm32-wasip1 features by `select`
        <crate>_exec         the library as build scripts and proc-macros need it, when that
                             differs from the host's (else <crate> serves both)
        build_script_bin     the build script, compiled for the build machine
        build_script(_exec)  the build script run for the crate's platform
    BUILD.bazel              <package> for each direct dependency of the workspace's
                             manifests, <package>-<version> for every crate

usage: render.py --metadata FILE --graph CONTEXT=FILE... --repo NAME --rules @REPO --lockfile LABEL
                 --manifests LABEL,... --out DIR
"""

import argparse
import json
import os
import shutil
import sys

HOST = "host"
WASM = "wasm32-wasip1"
EXEC = "exec"
LIB_KINDS = {"lib", "rlib", "proc-macro"}


def fail(message):
    sys.exit("wasm_plugin_crates_repository: " + message)


class Unit:
    """One compilation or build script run of Cargo's plan, for one context."""

    def __init__(self, raw, context):
        self.pkg = raw["pkg_id"]
        self.context = context
        self.target = raw["target"]
        self.features = sorted(raw["features"])
        self.opt_level = str(raw["profile"]["opt_level"])
        self.deps = []  # (Unit, extern crate name)
        self.raw = raw

    @property
    def is_proc_macro(self):
        return "proc-macro" in self.target["kind"]


class Plan:
    """Cargo's units of every graph, keyed by (package id, role, context)."""

    def __init__(self, third_party):
        self.libs = {}  # (pkg, context) -> Unit
        self.scripts = {}  # pkg -> Unit (the build script's compilation, always exec)
        self.runs = {}  # (pkg, context) -> Unit
        self.third_party = third_party
        self.notes = []

    def add_graph(self, context, graph):
        units = []
        for raw in graph["units"]:
            unit_context = EXEC if raw["platform"] is None else context
            units.append(Unit(raw, unit_context))
        for unit in units:
            unit.deps = [(units[dep["index"]], dep["extern_crate_name"])
                         for dep in unit.raw["dependencies"]]
        for unit in units:
            if unit.pkg not in self.third_party:
                continue
            kinds = set(unit.target["kind"])
            mode = unit.raw["mode"]
            if mode == "build" and "custom-build" in kinds:
                self.merge(self.scripts, unit.pkg, unit)
            elif mode == "build" and kinds & LIB_KINDS:
                self.merge(self.libs, (unit.pkg, unit.context), unit)
            elif mode == "run-custom-build":
                self.merge(self.runs, (unit.pkg, unit.context), unit)

    def merge(self, table, key, unit):
        """Both graphs plan the build machine's units; Cargo resolves them alike, but if one
        graph asks for more features, the union serves both (features are additive)."""
        known = table.get(key)
        if known is None:
            table[key] = unit
            return
        if known.features != unit.features:
            self.notes.append("{} {}: features of both graphs merged".format(key, unit.target["name"]))
            known.features = sorted(set(known.features) | set(unit.features))
        names = {(dep.pkg, name) for dep, name in known.deps}
        known.deps += [(dep, name) for dep, name in unit.deps if (dep.pkg, name) not in names]


def string_literal(text):
    """A Starlark string literal: UTF-8 as is (Starlark has no \\u escape), control characters
    as spaces."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return '"' + "".join(c if c >= " " else " " for c in escaped) + '"'


def starlark(value, indent=4):
    """`value` as Starlark source."""
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = " " * (indent + 4)
        return "[\n" + "".join("{}{},\n".format(inner, starlark(item, indent + 4)) for item in value) + " " * indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = " " * (indent + 4)
        return "{\n" + "".join("{}{}: {},\n".format(inner, starlark(key, indent + 4), starlark(item, indent + 4))
                               for key, item in sorted(value.items())) + " " * indent + "}"
    raise TypeError(value)


class Select:
    """A value that differs between the host and wasm32-wasip1."""

    def __init__(self, host, wasm, rules):
        self.host, self.wasm, self.rules = host, wasm, rules

    def render(self, indent):
        if self.host == self.wasm:
            return starlark(self.host, indent)
        inner = " " * (indent + 4)
        return "select({{\n{i}{}: {},\n{i}\"//conditions:default\": {},\n{}}})".format(
            starlark(self.rules + "//rules:wasm32-wasip1"),
            starlark(self.wasm, indent + 4),
            starlark(self.host, indent + 4),
            " " * indent,
            i=inner,
        )


def call(rule, attrs):
    lines = ["{}(".format(rule)]
    for key, value in attrs:
        if value is None:
            continue
        rendered = value.render(4) if hasattr(value, "render") else starlark(value)
        lines.append("    {} = {},".format(key, rendered))
    lines.append(")")
    return "\n".join(lines)


class Renderer:
    def __init__(self, metadata, plan, repo, rules, lockfile, manifests):
        self.repo = repo
        self.packages = {package["id"]: package for package in metadata["packages"]}
        self.plan = plan
        self.rules = rules
        self.lockfile = lockfile
        self.manifests = manifests
        self.exec_labels = {}

    def directory(self, pkg):
        package = self.packages[pkg]
        return "{}-{}".format(package["name"], package["version"])

    def crate_name(self, pkg):
        for context in (HOST, WASM, EXEC):
            unit = self.plan.libs.get((pkg, context))
            if unit:
                return unit.target["name"]
        fail("no library unit for " + pkg)

    def main_label(self, pkg):
        return "//vendor/{}:{}".format(self.directory(pkg), self.crate_name(pkg))

    def contexts(self, pkg):
        return [context for context in (HOST, WASM, EXEC) if (pkg, context) in self.plan.libs]

    def deps_of(self, unit, label):
        """(deps, proc-macro deps) of a unit as {label: extern name}, with `label` giving the
        label of a dependency's library unit."""
        deps, proc_macros = {}, {}
        for dep, name in unit.deps:
            if dep.pkg not in self.plan.third_party or dep.raw["mode"] != "build":
                continue
            if not set(dep.target["kind"]) & LIB_KINDS:
                continue
            (proc_macros if dep.is_proc_macro else deps)[label(dep)] = name
        return deps, proc_macros

    def link_deps_of(self, run, label):
        """The build script runs whose `cargo:KEY=VALUE` metadata this run sees (DEP_*)."""
        return sorted(label(dep) for dep, _ in run.deps
                      if dep.raw["mode"] == "run-custom-build" and dep.pkg in self.plan.third_party)

    def target_label(self, unit):
        """The label of a library unit, as the units that depend on it in its context see it."""
        if unit.context == EXEC:
            return self.exec_label(unit.pkg)
        return self.main_label(unit.pkg)

    def run_label(self, unit):
        directory = "//vendor/{}:".format(self.directory(unit.pkg))
        if unit.context == EXEC and self.exec_label(unit.pkg) != self.main_label(unit.pkg):
            return directory + "build_script_exec"
        return directory + "build_script"

    def signature(self, pkg, context):
        """What a library unit compiles to, with dependencies as their labels."""
        unit = self.plan.libs[(pkg, context)]
        deps, proc_macros = self.deps_of(unit, self.target_label)
        run = self.plan.runs.get((pkg, context))
        links = self.link_deps_of(run, self.run_label) if run else None
        # Not the optimisation level: Cargo builds build-machine units without optimisation, but
        # one optimised build serves both better than two builds.
        return (unit.features, deps, proc_macros, links)

    def exec_label(self, pkg):
        """The build machine's library of `pkg`: the host's when Cargo planned it alike."""
        if pkg in self.exec_labels:
            return self.exec_labels[pkg]
        contexts = self.contexts(pkg)
        label = self.main_label(pkg)
        if HOST in contexts or WASM in contexts:
            # Compare with the host's unit as the exec unit's dependencies would see it.
            self.exec_labels[pkg] = label
            if HOST not in contexts or self.signature(pkg, EXEC) != self.signature(pkg, HOST):
                label = "//vendor/{}:{}_exec".format(self.directory(pkg), self.crate_name(pkg))
        self.exec_labels[pkg] = label
        return label

    def package_env(self, pkg):
        package = self.packages[pkg]
        version = package["version"]
        core, _, pre = version.partition("-")
        major, minor, patch = (core.split(".") + ["0", "0"])[:3]
        env = {
            "CARGO_PKG_NAME": package["name"],
            "CARGO_PKG_VERSION": version,
            "CARGO_PKG_VERSION_MAJOR": major,
            "CARGO_PKG_VERSION_MINOR": minor,
            "CARGO_PKG_VERSION_PATCH": patch.partition("+")[0],
            "CARGO_PKG_VERSION_PRE": pre.partition("+")[0],
            "CARGO_PKG_AUTHORS": ":".join(package.get("authors") or []),
            "CARGO_PKG_DESCRIPTION": package.get("description") or "",
            "CARGO_PKG_HOMEPAGE": package.get("homepage") or "",
            "CARGO_PKG_REPOSITORY": package.get("repository") or "",
            "CARGO_PKG_LICENSE": package.get("license") or "",
            "CARGO_PKG_LICENSE_FILE": package.get("license_file") or "",
            "CARGO_PKG_RUST_VERSION": package.get("rust_version") or "",
            "CARGO_PKG_README": package.get("readme") or "",
        }
        return env

    def source_path(self, pkg, unit):
        """`unit`'s source file relative to the package's directory."""
        root = os.path.dirname(self.packages[pkg]["manifest_path"])
        return os.path.relpath(unit.target["src_path"], root)

    def render_package(self, pkg):
        package = self.packages[pkg]
        crate = self.crate_name(pkg)
        contexts = self.contexts(pkg)
        targets = []
        head = [
            "# @generated by rules_wasm_plugin from {} ({} {}). Do not edit.".format(
                self.lockfile, package["name"], package["version"]),
            'load("{}//rules/private:third_party.bzl", "third_party_build_script", "third_party_crate")'.format(self.rules),
            "",
            'package(default_visibility = ["//visibility:public"])',
            "",
            '_SRCS = glob(["**"], exclude = ["BUILD.bazel"])',
        ]
        common = [
            ("version", package["version"]),
            ("package_env", self.package_env(pkg)),
        ]

        def library(name, by_context, platforms, build_script):
            first = next(iter(by_context.values()))
            unit = first
            host = by_context.get(HOST) or by_context.get(EXEC) or first
            wasm = by_context.get(WASM) or host
            values = {}
            for key, source in (("host", host), ("wasm", wasm)):
                deps, proc_macros = self.deps_of(source, self.target_label)
                values[key] = (source.features, deps, proc_macros, source.opt_level)
            return call("third_party_crate", [
                ("name", name),
                ("crate_name", crate),
                ("crate_type", "proc-macro" if unit.is_proc_macro else "rlib"),
                ("crate_root", self.source_path(pkg, unit)),
                ("edition", unit.target["edition"]),
                ("srcs", _Raw("_SRCS")),
                ("platforms", platforms),
                ("crate_features", Select(values["host"][0], values["wasm"][0], self.rules)),
                ("deps", Select(values["host"][1], values["wasm"][1], self.rules)),
                ("proc_macro_deps", Select(values["host"][2], values["wasm"][2], self.rules)),
                ("opt_level", Select(values["host"][3], values["wasm"][3], self.rules)),
                ("build_script", build_script),
                ("links", package.get("links")),
            ] + common + [("lockfile", self.lockfile)])

        script = self.plan.scripts.get(pkg)
        main_contexts = [c for c in contexts if c != EXEC] or [EXEC]
        by_context = {c: self.plan.libs[(pkg, c)] for c in main_contexts}
        has_run = any((pkg, c) in self.plan.runs for c in main_contexts)
        targets.append(library(crate, by_context, main_contexts, ":build_script" if has_run and script else None))
        exec_separate = EXEC in contexts and self.exec_label(pkg) != self.main_label(pkg)
        if exec_separate:
            run_exec = (pkg, EXEC) in self.plan.runs and script
            targets.append(library(crate + "_exec", {EXEC: self.plan.libs[(pkg, EXEC)]}, [EXEC],
                                   ":build_script_exec" if run_exec else None))

        if script:
            deps, proc_macros = self.deps_of(script, self.target_label)
            targets.append(call("third_party_crate", [
                ("name", "build_script_bin"),
                ("crate_name", "build_script_" + crate),
                ("crate_type", "bin"),
                ("crate_root", self.source_path(pkg, script)),
                ("edition", script.target["edition"]),
                ("srcs", _Raw("_SRCS")),
                ("platforms", [EXEC]),
                ("crate_features", script.features),
                ("deps", deps),
                ("proc_macro_deps", proc_macros),
                ("opt_level", script.opt_level),
            ] + common + [("lockfile", self.lockfile)]))

            def run_target(name, by_context, platforms):
                host = by_context.get(HOST) or by_context.get(EXEC) or next(iter(by_context.values()))
                wasm = by_context.get(WASM) or host
                return call("third_party_build_script", [
                    ("name", name),
                    ("binary", ":build_script_bin"),
                    ("runner", "//build_script_runner"),
                    ("crate_name", crate),
                    ("srcs", _Raw("_SRCS")),
                    ("platforms", platforms),
                    ("crate_features", Select(host.features, wasm.features, self.rules)),
                    ("link_deps", Select(self.link_deps_of(host, self.run_label),
                                         self.link_deps_of(wasm, self.run_label), self.rules)),
                    ("links", package.get("links")),
                    ("opt_level", Select(host.opt_level, wasm.opt_level, self.rules)),
                ] + common)

            runs = {c: self.plan.runs[(pkg, c)] for c in main_contexts if (pkg, c) in self.plan.runs}
            if runs:
                targets.append(run_target("build_script", runs, sorted(runs)))
            if exec_separate and (pkg, EXEC) in self.plan.runs:
                targets.append(run_target("build_script_exec", {EXEC: self.plan.runs[(pkg, EXEC)]}, [EXEC]))
        return "\n".join(head) + "\n\n" + "\n\n".join(targets) + "\n"

    def render_root(self, metadata):
        """Aliases: each direct dependency of the workspace by its package name, every crate by
        name and version; names that are no direct dependency explain themselves."""
        members = set(metadata["workspace_members"])
        direct = {}
        for node in metadata["resolve"]["nodes"]:
            if node["id"] not in members:
                continue
            for dep in node["deps"]:
                if dep["pkg"] in self.plan.third_party:
                    direct.setdefault(self.packages[dep["pkg"]]["name"], set()).add(dep["pkg"])
        lines = [
            "# @generated by rules_wasm_plugin from {}. Do not edit.".format(self.lockfile),
            'load("{}//rules/private:third_party.bzl", "third_party_crate_error")'.format(self.rules),
            "",
            'package(default_visibility = ["//visibility:public"])',
            "",
        ]
        built = sorted({pkg for pkg, _ in self.plan.libs})
        names = {}
        for pkg in built:
            names.setdefault(self.packages[pkg]["name"], []).append(pkg)
            lines.append(call("alias", [("name", self.directory(pkg)), ("actual", self.main_label(pkg))]))
        manifests = ", ".join(self.manifests) if len(self.manifests) <= 3 else "{} and {} more".format(
            ", ".join(self.manifests[:2]), len(self.manifests) - 2)
        for name in sorted(set(names) | set(direct)):
            pkgs = sorted(direct.get(name, set()))
            if len(pkgs) == 1 and pkgs[0] in self.plan.third_party and any(p == pkgs[0] for p in built):
                lines.append(call("alias", [("name", name), ("actual", self.main_label(pkgs[0]))]))
                continue
            if len(pkgs) > 1:
                message = ("{lock} holds {n} versions of `{name}` that the manifests ({manifests}) "
                           "depend on directly; name one: {labels}").format(
                    lock=self.lockfile, n=len(pkgs), name=name, manifests=manifests,
                    labels=", ".join("@{}//:{}".format(self.repo, self.directory(p)) for p in pkgs))
            elif pkgs:
                message = ("`{name}` is a dependency of the manifests ({manifests}), but only of "
                           "targets no build needs (Cargo planned no library for it)").format(
                    name=name, manifests=manifests)
            else:
                message = ("`{name}` is in {lock}, but no manifest ({manifests}) depends on it "
                           "directly: add it to [dependencies] there, run `cargo update -p {name}`, "
                           "and build again").format(name=name, lock=self.lockfile, manifests=manifests)
            lines.append(call("third_party_crate_error", [("name", name), ("message", message)]))
        return "\n\n".join(lines) + "\n"


class _Raw:
    """Starlark source written as is."""

    def __init__(self, source):
        self.source = source

    def render(self, indent):
        return self.source


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--metadata", required=True)
    parser.add_argument("--graph", action="append", default=[], help="CONTEXT=FILE")
    parser.add_argument("--repo", required=True, help="the name of the repository written")
    parser.add_argument("--rules", required=True, help="the repository of rules_wasm_plugin, as @NAME")
    parser.add_argument("--lockfile", required=True)
    parser.add_argument("--manifests", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    with open(args.metadata) as file:
        metadata = json.load(file)
    third_party = {package["id"] for package in metadata["packages"] if package.get("source")}
    plan = Plan(third_party)
    for spec in args.graph:
        context, path = spec.split("=", 1)
        with open(path) as file:
            plan.add_graph(context, json.load(file))

    renderer = Renderer(metadata, plan, args.repo, args.rules, args.lockfile, args.manifests.split(","))
    packages = sorted({pkg for pkg, _ in plan.libs})
    for pkg in packages:
        directory = os.path.join(args.out, "vendor", renderer.directory(pkg))
        if not os.path.isdir(directory):
            fail("{} was not vendored into {}".format(pkg, directory))
        with open(os.path.join(directory, "BUILD.bazel"), "w", encoding="utf-8") as file:
            file.write(renderer.render_package(pkg))
    with open(os.path.join(args.out, "BUILD.bazel"), "w", encoding="utf-8") as file:
        file.write(renderer.render_root(metadata))
    # The build script runner, compiled in this repository: the same path in every workspace.
    runner = os.path.join(args.out, "build_script_runner")
    os.makedirs(runner, exist_ok=True)
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build_script_runner", "main.rs")
    shutil.copy(source, os.path.join(runner, "main.rs"))
    with open(os.path.join(runner, "BUILD.bazel"), "w", encoding="utf-8") as file:
        file.write(
            "# @generated by rules_wasm_plugin: a copy of its build script runner. Do not edit.\n"
            'load("{rules}//rules/private:rust.bzl", "rust_binary")\n\n'
            'rust_binary(\n    name = "build_script_runner",\n    srcs = ["main.rs"],\n'
            '    visibility = ["//visibility:public"],\n)\n'.format(rules=args.rules)
        )
    for note in plan.notes:
        print("note: " + note, file=sys.stderr)


if __name__ == "__main__":
    main()
