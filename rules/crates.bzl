"""The third-party crates of your own Cargo.lock: `wasm_plugin_crates_repository`, called from
WORKSPACE after `wasm_plugin_dependencies()`.

```python
load("@rules_wasm_plugin//rules:crates.bzl", "wasm_plugin_crates_repository")

wasm_plugin_crates_repository(
    name = "crates",
    cargo_lockfile = "//:Cargo.lock",
    manifests = ["//:Cargo.toml"],
)
```
"""

load("//rules/private:crates_repository.bzl", _wasm_plugin_crates_repository = "wasm_plugin_crates_repository")

wasm_plugin_crates_repository = _wasm_plugin_crates_repository
