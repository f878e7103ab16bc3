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

/// Async host glue (`Builder::async_calls`).
pub mod greeting_async {
    include!("../../../fixtures/greeting/expected/host_async/wasm_plugin.rs");
}

/// Async host glue with host functions.
pub mod hostfn_async {
    include!("../../../fixtures/hostfn/expected/host_async/wasm_plugin.rs");
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

/// Messages shaped by prost options: `Bytes`, `BTreeMap`, attributes, no comments.
pub mod options {
    include!("../../../fixtures/options/expected/host/wasm_plugin.rs");
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
        assert_send_sync::<super::hostfn_async::host::v1::ClockPlugin>();
    }
}

/// Async rpcs are futures a multi-threaded executor can run, and async host functions are
/// implemented with `async fn`: compiling these is the test.
mod async_glue {
    use super::hostfn_async::host::v1::{ClockLibrary, ClockPlugin, Url};
    use wasm_plugin_runtime::prost_types::Timestamp;
    use wasm_plugin_runtime::{HostContext, HostError, HostModule};

    fn calls_are_send(plugin: &ClockPlugin) {
        fn assert_send<T: Send>(_: T) {}
        assert_send(plugin.now(()));
    }

    struct Library;

    impl ClockLibrary for Library {
        async fn read_clock(
            &self,
            context: &HostContext<'_>,
            _request: (),
        ) -> Result<Timestamp, HostError> {
            std::future::ready(()).await;
            Ok(Timestamp {
                seconds: context.plugin().len() as i64,
                nanos: 0,
            })
        }

        async fn http_get(
            &self,
            _context: &HostContext<'_>,
            _request: Url,
        ) -> Result<(), HostError> {
            Ok(())
        }
    }

    fn library() -> HostModule {
        Library.into_host_module()
    }
}
