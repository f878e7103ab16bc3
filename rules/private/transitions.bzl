"""The transition to the guest platform."""

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
