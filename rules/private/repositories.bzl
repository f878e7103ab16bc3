"""Repository rules: the Rust toolchain and protoc from the system, and this repository's own
directories as repositories. The crates repository rule is in crates_repository.bzl."""

def _rust_toolchain_repository_impl(rctx):
    channel = rctx.attr.version
    if not channel:
        for line in rctx.read(rctx.attr.toolchain_file).splitlines():
            line = line.strip()
            if line.startswith("channel"):
                channel = line.split("=", 1)[1].strip().strip("\"")
    if not channel:
        fail("no `channel = ...` in {}".format(rctx.attr.toolchain_file))
    rustup = rctx.which("rustup") or rctx.path(rctx.os.environ.get("HOME", "/root") + "/.cargo/bin/rustup")
    if not rustup.exists:
        fail("rustup is missing: install it from https://rustup.rs (in this repository: scripts/setup.sh explains).")
    found = rctx.execute([rustup, "which", "rustc", "--toolchain", channel])
    if found.return_code != 0:
        fail("Rust {v} is not installed (rustup said: {said}). Install it with `rustup toolchain install {v} && rustup target add --toolchain {v} wasm32-wasip1` (in this repository: scripts/setup.sh).".format(v = channel, said = found.stderr.strip()))
    sysroot = rctx.path(found.stdout.strip()).dirname.dirname
    for target in ["x86_64-unknown-linux-gnu", "wasm32-wasip1"]:
        if not sysroot.get_child("lib").get_child("rustlib").get_child(target).exists:
            fail("Rust {v} has no {t} target. Add it with `rustup target add --toolchain {v} {t}` (in this repository: scripts/setup.sh).".format(v = channel, t = target))
    rctx.symlink(sysroot.get_child("bin"), "bin")
    rctx.symlink(sysroot.get_child("lib"), "lib")
    if not sysroot.get_child("bin").get_child("rustfmt").exists:
        fail("Rust {v} has no rustfmt, which lays out the generated code. Add it with `rustup component add --toolchain {v} rustfmt` (in this repository: scripts/setup.sh).".format(v = channel))

    # What build scripts see as CARGO_CFG_*, for each platform.
    rustc = sysroot.get_child("bin").get_child("rustc")
    for target, name in [("x86_64-unknown-linux-gnu", "host"), ("wasm32-wasip1", "wasm32-wasip1")]:
        cfg = rctx.execute([rustc, "--print", "cfg", "--target", target])
        if cfg.return_code != 0:
            fail("rustc --print cfg --target {} failed: {}".format(target, cfg.stderr))
        rctx.file("cfg_{}.txt".format(name), cfg.stdout)

    # The system tools the actions use besides rustc (the C compiler links hosts and runs in
    # build scripts): their versions go into a file that every compile takes as input, so that a
    # shared cache never serves one machine's outputs to a machine with other tools.
    tools = []
    for tool in ["cc", "ld"]:
        path = rctx.which(tool)
        version = rctx.execute([path, "--version"]).stdout.strip() if path else "missing"
        tools.append("{}: {}\n{}".format(tool, path, version))
    rctx.file("host_tools.txt", "\n\n".join(tools) + "\n")
    rctx.file("BUILD.bazel", """# Rust {channel}, from rustup: one toolchain for host and guest. Its files are inputs of
# every compile action, so its version is part of every cache key.
package(default_visibility = ["//visibility:public"])

exports_files([
    "bin/cargo",
    "bin/rustc",
    "bin/rustfmt",
    "cfg_host.txt",
    "cfg_wasm32-wasip1.txt",
])

filegroup(
    name = "rustc_files",
    srcs = ["bin/rustc", "host_tools.txt"] + glob(
        [
            "lib/*.so*",
            "lib/rustlib/x86_64-unknown-linux-gnu/bin/**",
            "lib/rustlib/x86_64-unknown-linux-gnu/lib/**",
        ],
    ),
)

filegroup(
    name = "wasm_std",
    srcs = glob(["lib/rustlib/wasm32-wasip1/lib/**"]),
)

""".format(channel = channel))

rust_toolchain_repository = repository_rule(
    implementation = _rust_toolchain_repository_impl,
    attrs = {
        "toolchain_file": attr.label(allow_single_file = True, doc = "rust-toolchain.toml naming the channel."),
        "version": attr.string(doc = "The rustup toolchain to use instead of the channel of `toolchain_file`."),
    },
    environ = ["HOME", "PATH", "RUSTUP_HOME"],
    local = True,
    doc = "Links the rustup toolchain named by rust-toolchain.toml, with the wasm32-wasip1 target.",
)

def _system_protobuf_impl(rctx):
    protoc = rctx.which("protoc")
    include = rctx.path("/usr/include/google/protobuf")
    if not protoc or not include.exists:
        fail("protoc and the well-known .proto files are missing: run scripts/setup.sh")
    rctx.symlink(include, "google/protobuf")

    # protoc's version is in the script, so that another protoc changes the actions' keys.
    version = rctx.execute([protoc, "--version"]).stdout.strip()
    rctx.file("protoc.sh", "#!/bin/sh\n# {}\nexec {} \"$@\"\n".format(version, protoc), executable = True)
    rctx.symlink(rctx.attr.build_file, "BUILD.bazel")

system_protobuf = repository_rule(
    implementation = _system_protobuf_impl,
    attrs = {"build_file": attr.label(allow_single_file = True)},
    local = True,
    doc = "protoc and the well-known types of the system (Debian's protobuf packages).",
)

def _directory_repository_impl(rctx):
    directory = rctx.path(rctx.attr.marker).dirname
    for child in directory.readdir():
        rctx.symlink(child, child.basename)

directory_repository = repository_rule(
    implementation = _directory_repository_impl,
    attrs = {"marker": attr.label(allow_single_file = True, doc = "A file in the directory to use.")},
    doc = "A directory of this repository as a repository of its own, wherever this repository is (local_repository paths are relative to the main workspace).",
)
