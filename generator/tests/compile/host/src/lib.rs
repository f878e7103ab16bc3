//! The host glue of every generator fixture, compiled as it is expected
//! (`generator/tests/fixtures/<case>/expected/host`): a type error in generated code fails the
//! build. `generator/tests/fixtures_compile.rs` checks that every fixture is listed here.
#![allow(dead_code, reason = "nothing calls the glue; compiling it is the test")]
#![allow(
    clippy::module_inception,
    reason = "a fixture and its package share a name"
)]

pub mod greeting {
    include!("../../../fixtures/greeting/expected/host/wasm_plugin.rs");
}

pub mod hostfn {
    include!("../../../fixtures/hostfn/expected/host/wasm_plugin.rs");
}

pub mod keywords {
    include!("../../../fixtures/keywords/expected/host/wasm_plugin.rs");
}

pub mod packages {
    include!("../../../fixtures/packages/expected/host/wasm_plugin.rs");
}

pub mod plain {
    include!("../../../fixtures/plain/expected/host/wasm_plugin.rs");
}

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn generated_handles_can_be_shared_between_threads() {
        assert_send_sync::<super::greeting::greeting::GreeterPlugin>();
        assert_send_sync::<super::hostfn::host::v1::ClockPlugin>();
        assert_send_sync::<super::keywords::acme::r#type::LoopPlugin>();
        assert_send_sync::<super::packages::acme::api::RegistryPlugin>();
    }
}
