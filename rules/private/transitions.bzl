"""The transition to the guest platform."""

_PLATFORM = "//rules:platform"

def _wasm_impl(_settings, _attr):
    return {_PLATFORM: "wasm32-wasip1"}

wasm_transition = transition(
    implementation = _wasm_impl,
    inputs = [],
    outputs = [_PLATFORM],
)
