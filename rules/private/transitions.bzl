"""The transitions to the two platforms Rust code is compiled for.

`//rules:platform` starts empty: the configuration of the command line. Every rule that compiles
Rust moves its dependencies explicitly, plugins to "wasm32-wasip1" and hosts (and whatever runs
on the build machine: build scripts, proc-macros, the generator) to "host". Both transitions land
in one configuration each, whichever configuration they start from, so that a crate is compiled
once per platform: a proc-macro that a plugin's crate uses is the host's.
"""

# A Label, so that the flag is this repository's also when the rules are used from another
# workspace (a plain "//rules:platform" would name the user's package).
_PLATFORM = str(Label("//rules:platform"))

def _wasm_impl(_settings, _attr):
    return {_PLATFORM: "wasm32-wasip1"}

wasm_transition = transition(
    implementation = _wasm_impl,
    inputs = [],
    outputs = [_PLATFORM],
)

def _host_impl(_settings, _attr):
    return {_PLATFORM: "host"}

host_transition = transition(
    implementation = _host_impl,
    inputs = [],
    outputs = [_PLATFORM],
)

def _keep_impl(settings, _attr):
    return {_PLATFORM: settings[_PLATFORM] or "host"}

# The dependencies of a crate: compiled for the crate's platform, the host's when the crate is
# built from the command line (an empty flag). Without it, `bazel build //...` would compile the
# crates under a library a second time, in the command line's configuration.
keep_platform_transition = transition(
    implementation = _keep_impl,
    inputs = [_PLATFORM],
    outputs = [_PLATFORM],
)

def _side_impl(_settings, attr):
    return {_PLATFORM: "wasm32-wasip1" if attr.side == "guest" else "host"}

# To the platform of a rule's `side` attribute ("guest" or "host").
side_transition = transition(
    implementation = _side_impl,
    inputs = [],
    outputs = [_PLATFORM],
)

# Rules that use a transition need this attribute (Bazel 4).
TRANSITION_ALLOWLIST = {
    "_allowlist_function_transition": attr.label(
        default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
    ),
}
