"""The rule behind //rules:platform: which platform the configuration compiles for."""

load(":providers.bzl", "PlatformInfo")

def _platform_impl(ctx):
    return [PlatformInfo(triple = ctx.attr.triple)]

platform_setting = rule(
    implementation = _platform_impl,
    doc = "Gives PlatformInfo with `triple`, which //rules:platform selects by configuration.",
    attrs = {"triple": attr.string(mandatory = True)},
)
