//! A plugin written by hand in WebAssembly text, following docs/abi.md and nothing else: the
//! runtime must load it, call it, serve its host function calls, and free every buffer it
//! owns.

use wasm_plugin_runtime::{Error, HostContext, HostError};
use wasm_plugin_tests::conformance::{Blob, ConformancePlugin, Host};
use wasm_plugin_tests::loader;

const GUEST: &str = r#"
(module
  (import "env" "upper" (func $upper (param i32 i32) (result i64)))
  (memory (export "memory") 2)
  (data (i32.const 16) "conformance failure")
  (data (i32.const 48) "\0a\ff")

  ;; A bump allocator that counts the blocks not yet freed.
  (global $next (mut i32) (i32.const 1024))
  (global $live (mut i32) (i32.const 0))
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $block i32)
    (local.set $block (global.get $next))
    (global.set $next (i32.add (global.get $next) (i32.and (i32.add (local.get $size) (i32.const 7)) (i32.const -8))))
    (global.set $live (i32.add (global.get $live) (i32.const 1)))
    (local.get $block))
  (func (export "free") (param $block i32)
    (global.set $live (i32.sub (global.get $live) (i32.const 1))))

  (func $pack (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.extend_i32_u (local.get $len))))

  (func (export "conformance_api_version") (result i64) (i64.const 1))
  ;; Level 1 (docs/abi.md): host function errors may come back as error payloads.
  (func (export "wasm_plugin_abi") (param $host i32) (result i32) (i32.const 1))

  (func (export "conformance_echo") (param $ptr i32) (param $len i32) (result i64)
    (local $copy i32)
    (if (i32.eqz (local.get $len)) (then (return (i64.const 0))))
    (local.set $copy (call $malloc (local.get $len)))
    (memory.copy (local.get $copy) (local.get $ptr) (local.get $len))
    (call $pack (local.get $copy) (local.get $len)))

  (func (export "conformance_fail") (param $ptr i32) (param $len i32) (result i64)
    (local $message i32)
    (local.set $message (call $malloc (i32.const 19)))
    (memory.copy (local.get $message) (i32.const 16) (i32.const 19))
    (call $pack (local.get $message) (i32.or (i32.const 19) (i32.const 0x80000000))))

  (func (export "conformance_nothing") (param $ptr i32) (param $len i32) (result i64)
    (i64.const 0))

  ;; The host's answer is a block of this module's; handing it on gives it back to the host.
  (func (export "conformance_ask_host") (param $ptr i32) (param $len i32) (result i64)
    (call $upper (local.get $ptr) (local.get $len)))

  ;; A length-delimited field whose length never ends: no message decodes from it.
  (func (export "conformance_ask_host_garbage") (param $ptr i32) (param $len i32) (result i64)
    (call $upper (i32.const 48) (i32.const 2)))

  ;; Blob { data: live as 4 bytes }: tag 0x0a, length 4, then the count.
  (func (export "conformance_live_blocks") (param $ptr i32) (param $len i32) (result i64)
    (local $live i32)
    (local $reply i32)
    (local.set $live (global.get $live))
    (local.set $reply (call $malloc (i32.const 6)))
    (i32.store8 (local.get $reply) (i32.const 0x0a))
    (i32.store8 offset=1 (local.get $reply) (i32.const 4))
    (i32.store offset=2 align=1 (local.get $reply) (local.get $live))
    (call $pack (local.get $reply) (i32.const 6)))
)
"#;

struct Upper;

impl Host for Upper {
    fn upper(&self, _context: &HostContext<'_>, request: Blob) -> Result<Blob, HostError> {
        if request.data.is_empty() {
            return Err(HostError::new("nothing to upper-case"));
        }
        Ok(Blob {
            data: request.data.to_ascii_uppercase(),
        })
    }
}

fn load(wat_source: &str) -> ConformancePlugin {
    let wasm = wat::parse_str(wat_source).expect("valid WebAssembly text");
    ConformancePlugin::load_bytes(&loader(), &wasm, Upper).expect("the hand-written plugin loads")
}

fn blob(data: &[u8]) -> Blob {
    Blob {
        data: data.to_vec(),
    }
}

fn live_blocks(plugin: &ConformancePlugin) -> u32 {
    let reply = plugin.live_blocks(Blob::default()).expect("live blocks");
    u32::from_le_bytes(reply.data.try_into().expect("4 bytes"))
}

#[test]
fn calls_follow_the_documented_interface_and_every_block_is_freed() {
    let plugin = load(GUEST);
    let round = || {
        assert_eq!(
            plugin.echo(blob(b"round trip")).expect("echo"),
            blob(b"round trip")
        );
        assert_eq!(
            plugin.echo(Blob::default()).expect("empty echo"),
            Blob::default()
        );
        assert_eq!(
            plugin.nothing(blob(b"x")).expect("nothing"),
            Blob::default()
        );
        let error = plugin.fail(blob(b"x")).expect_err("fail");
        assert!(
            matches!(&error, Error::Plugin { message, .. } if message == "conformance failure"),
            "{error:?}"
        );
        assert_eq!(
            plugin.ask_host(blob(b"shout")).expect("ask host"),
            blob(b"SHOUT")
        );
    };
    round();
    // The host freed every result it read; it keeps one block for its requests.
    assert_eq!(live_blocks(&plugin), 1);
    for _ in 0..100 {
        round();
    }
    assert_eq!(live_blocks(&plugin), 1);
}

#[test]
fn host_function_errors_reach_guests_that_accept_them() {
    let plugin = load(GUEST);
    // The guest hands the host's error payload on as its own error.
    let error = plugin.ask_host(Blob::default()).expect_err("empty data");
    assert!(
        matches!(&error, Error::Plugin { message, .. } if message == "nothing to upper-case"),
        "{error:?}"
    );
    assert_eq!(live_blocks(&plugin), 0);
}

#[test]
fn a_request_the_host_cannot_decode_is_an_error_of_the_host_function() {
    let plugin = load(GUEST);
    let error = plugin
        .ask_host_garbage(Blob::default())
        .expect_err("garbage");
    assert!(
        matches!(&error, Error::Plugin { message, .. } if message.starts_with("the host could not decode the request of plugin ") && message.contains(" as conformance.Blob: ")),
        "{error:?}"
    );
    assert_eq!(live_blocks(&plugin), 0);
}

#[test]
fn host_function_errors_abort_the_call_of_go_plugin_guests() {
    // Without `wasm_plugin_abi`, the guest is a go-plugin guest: it cannot receive the error,
    // so the call into it stops, as in go-plugin.
    let go_style = GUEST.replace(
        r#"(func (export "wasm_plugin_abi") (param $host i32) (result i32) (i32.const 1))"#,
        "",
    );
    assert_ne!(go_style, GUEST);
    let plugin = load(&go_style);
    let error = plugin.ask_host(Blob::default()).expect_err("empty data");
    assert!(
        matches!(&error, Error::HostFunction { import, message, .. } if import == "env.upper" && message == "nothing to upper-case"),
        "{error:?}"
    );
    // The guest hands the host's response on as its result: freed once, not twice (a double
    // free would show as a negative count). The host keeps its request block.
    for _ in 0..10 {
        assert_eq!(
            plugin.ask_host(blob(b"ok")).expect("next call"),
            blob(b"OK")
        );
    }
    assert_eq!(live_blocks(&plugin), 1);
}

#[test]
fn an_export_of_the_wrong_type_is_refused_at_load() {
    let wrong = GUEST.replace(
        r#"(func (export "conformance_nothing") (param $ptr i32) (param $len i32) (result i64)
    (i64.const 0))"#,
        r#"(func (export "conformance_nothing") (param $ptr i32) (result i32)
    (i32.const 0))"#,
    );
    assert_ne!(wrong, GUEST);
    let wasm = wat::parse_str(&wrong).expect("valid WebAssembly text");
    let error = ConformancePlugin::load_bytes(&loader(), &wasm, Upper).expect_err("wrong type");
    assert_eq!(
        error.to_string(),
        "conformance_nothing in <bytes> has type (i32) -> (i32), but the interface requires \
         (i32, i32) -> (i64)"
    );
}

/// `GUEST` agreeing on `level` instead of 1, with room for large requests (its allocator never
/// reuses a block).
fn at_level(level: u32) -> String {
    let guest = GUEST
        .replace(
            r#"(func (export "wasm_plugin_abi") (param $host i32) (result i32) (i32.const 1))"#,
            &format!(
                r#"(func (export "wasm_plugin_abi") (param $host i32) (result i32) (i32.const {level}))"#
            ),
        )
        .replace(r#"(memory (export "memory") 2)"#, r#"(memory (export "memory") 32)"#);
    assert_eq!(
        guest.matches("32)").count(),
        1 + GUEST.matches("32)").count()
    );
    assert!(guest.contains(&format!("(i32.const {level}))")));
    guest
}

/// How many more blocks stay allocated after five echoes of `large` bytes than after five of 1
/// KiB: the request blocks the host gave up to the plugin (which `GUEST` never frees).
fn blocks_given_up(plugin: &ConformancePlugin, large: usize) -> i64 {
    plugin.echo(blob(&[1; 1 << 10])).expect("warm-up");
    let live = || i64::from(live_blocks(plugin));
    let start = live();
    for _ in 0..5 {
        plugin.echo(blob(&[1; 1 << 10])).expect("small echo");
    }
    let after_small = live();
    for _ in 0..5 {
        let data = vec![2; large];
        assert_eq!(plugin.echo(blob(&data)).expect("large echo").data, data);
    }
    let after_large = live();
    (after_large - after_small) - (after_small - start)
}

#[test]
fn at_level_3_requests_of_16_kib_or_more_become_the_plugins() {
    // Each goes into a fresh block the host neither reuses nor frees.
    assert_eq!(blocks_given_up(&load(&at_level(3)), 16 << 10), 5);
    // Below 16 KiB, and below level 3, the host keeps writing into its one request block.
    assert_eq!(blocks_given_up(&load(&at_level(3)), (16 << 10) - 8), 0);
    assert_eq!(blocks_given_up(&load(&at_level(2)), 64 << 10), 0);
}
