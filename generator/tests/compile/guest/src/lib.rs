//! The guest glue of every generator fixture, compiled as it is expected
//! (`generator/tests/fixtures/<case>/expected/guest`): a type error in generated code fails the
//! build. `generator/tests/fixtures_compile.rs` checks that every fixture is listed here.
#![allow(dead_code, reason = "nothing calls the glue; compiling it is the test")]
#![allow(
    clippy::module_inception,
    reason = "a fixture and its package share a name"
)]

pub mod greeting {
    include!("../../../fixtures/greeting/expected/guest/wasm_plugin.rs");
}

pub mod hostfn {
    include!("../../../fixtures/hostfn/expected/guest/wasm_plugin.rs");
}

pub mod keywords {
    include!("../../../fixtures/keywords/expected/guest/wasm_plugin.rs");
}

pub mod packages {
    include!("../../../fixtures/packages/expected/guest/wasm_plugin.rs");
}

pub mod plain {
    include!("../../../fixtures/plain/expected/guest/wasm_plugin.rs");
}

/// Messages shaped by prost options: `Bytes`, `BTreeMap`, attributes, no comments.
pub mod options {
    include!("../../../fixtures/options/expected/guest/wasm_plugin.rs");
}
