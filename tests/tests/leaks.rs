//! Many calls with host functions leak nothing, neither in the plugin's memory nor in the
//! host's heap. The host side is measured by a global allocator that counts live bytes, which
//! no reuse of freed pages can hide; this file holds one test, so that no other test allocates
//! at the same time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wasm_plugin_runtime::{HostContext, HostError};
use wasm_plugin_tests::hostfn::{
    CountReply, GreetRequest, GreeterPlugin, HostFunctions, LogRequest, LookupRequest,
    ParseJsonRequest, ParseJsonResponse, Person,
};
use wasm_plugin_tests::{loader, wasm_file};

#[global_allocator]
static ALLOCATOR: wasm_plugin_testing::alloc::Counting = wasm_plugin_testing::alloc::Counting;

/// Host functions that keep no state but counters; `leak` bytes are leaked per `Log` call, to
/// show that the measurement sees a leak.
#[derive(Clone, Default)]
struct Host {
    logged: Arc<AtomicU64>,
    leak: usize,
}

impl HostFunctions for Host {
    fn parse_json(
        &self,
        _context: &HostContext<'_>,
        request: ParseJsonRequest,
    ) -> Result<ParseJsonResponse, HostError> {
        wasm_plugin_tests::hosts::parse_json(request)
    }

    fn lookup(
        &self,
        _context: &HostContext<'_>,
        request: LookupRequest,
    ) -> Result<Person, HostError> {
        wasm_plugin_tests::hosts::lookup(request)
    }

    fn log(&self, _context: &HostContext<'_>, _request: LogRequest) -> Result<(), HostError> {
        self.logged.fetch_add(1, Ordering::Relaxed);
        if self.leak > 0 {
            std::mem::forget(vec![0u8; self.leak]);
        }
        Ok(())
    }

    fn count(&self, _context: &HostContext<'_>, _request: ()) -> Result<CountReply, HostError> {
        Ok(CountReply { count: 1 })
    }
}

/// What `calls` more calls (after `warm_up` calls) add to the host's heap and to the plugin's
/// memory, in bytes.
fn growth(host: Host, warm_up: u32, calls: u32) -> (isize, usize) {
    let plugin = GreeterPlugin::load(&loader(), wasm_file("hostfn"), host.clone()).expect("load");
    // Found and failed lookups alternate: host function errors cross the boundary too.
    let call = |n: u32| {
        let name = if n.is_multiple_of(2) {
            "Sato".to_owned()
        } else {
            format!("caller {n}")
        };
        let reply = plugin.greet(GreetRequest { name }).expect("greet");
        assert!(reply.message.starts_with("Hello, "), "{}", reply.message);
    };
    (0..warm_up).for_each(call);
    let (heap, memory) = (
        wasm_plugin_testing::alloc::live_bytes(),
        plugin.as_ref().stats().memory_bytes,
    );
    (warm_up..warm_up + calls).for_each(call);
    assert_eq!(
        host.logged.load(Ordering::Relaxed),
        u64::from(warm_up + calls)
    );
    (
        wasm_plugin_testing::alloc::live_bytes() - heap,
        plugin.as_ref().stats().memory_bytes - memory,
    )
}

#[test]
fn a_hundred_thousand_calls_leak_nothing_on_either_side() {
    // The measurement sees a host that leaks 16 bytes a call.
    let (leaked, _) = growth(
        Host {
            leak: 16,
            ..Host::default()
        },
        100,
        1_000,
    );
    assert!(
        leaked >= 16 * 1_000,
        "a leak of 16 bytes per call went unseen: the heap grew by {leaked} bytes"
    );

    let (heap, memory) = growth(Host::default(), 10_000, 90_000);
    assert_eq!(memory, 0, "the plugin's memory grew by {memory} bytes");
    // Nothing per call: a few hundred bytes would be a leak of under a byte a call, still
    // allowed for lazily initialised state; a leak of one small allocation per call is 90 KB.
    assert!(
        heap < 1024,
        "the host's heap grew by {heap} bytes in 90,000 calls"
    );
}
