"""The transitions to the two platforms Rust code is compiled for.

The platform is Bazel's `--platform_suffix`, empty on the command line. Every rule that compiles
Rust moves its dependencies explicitly: plugins to `-wasm` (wasm32-wasip1), and hosts and
whatever runs on the build machine (build scripts, proc-macros, the generator) to `-host`. Both
transitions land in one configuration each, whichever configuration they start from, so that a
crate is compiled once per platform: a proc-macro that a plugin's crate uses is the host's.

A native option rather than a flag of ours: Bazel names the output directory of a transitioned
configuration after a hash of the options the transition set, and a flag's name is its label,
which another workspace spells `@rules_wasm_plugin//...`. The option's name is the same in every
workspace, so every workspace puts a crate in the same directory, and the actions of the rules'
own crates are the same cache entries in this repository and in its users' workspaces.
"""

_SUFFIX = "//command_line_option:platform_suffix"

# The suffixes, as //rules:BUILD.bazel's config_settings match them.
WASM_SUFFIX = "-wasm"
HOST_SUFFIX = "-host"

def _wasm_impl(_settings, _attr):
    return {_SUFFIX: WASM_SUFFIX}

wasm_transition = transition(
    implementation = _wasm_impl,
    inputs = [],
    outputs = [_SUFFIX],
)

def _host_impl(_settings, _attr):
    return {_SUFFIX: HOST_SUFFIX}

host_transition = transition(
    implementation = _host_impl,
    inputs = [],
    outputs = [_SUFFIX],
)

def _keep_impl(settings, _attr):
    return {_SUFFIX: WASM_SUFFIX if settings[_SUFFIX] == WASM_SUFFIX else HOST_SUFFIX}

# The dependencies of a crate: compiled for the crate's platform, the host's when the crate is
# built from the command line. Without it, `bazel build //...` would compile the crates under a
# library a second time, in the command line's configuration.
keep_platform_transition = transition(
    implementation = _keep_impl,
    inputs = [_SUFFIX],
    outputs = [_SUFFIX],
)

def _side_impl(_settings, attr):
    return {_SUFFIX: WASM_SUFFIX if attr.side == "guest" else HOST_SUFFIX}

# To the platform of a rule's `side` attribute ("guest" or "host").
side_transition = transition(
    implementation = _side_impl,
    inputs = [],
    outputs = [_SUFFIX],
)

# Rules that use a transition need this attribute (Bazel 4).
TRANSITION_ALLOWLIST = {
    "_allowlist_function_transition": attr.label(
        default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
    ),
}
