//! One handle, many threads: every caller gets its own answer.

use std::sync::Arc;

use wasm_plugin_tests::fields::{FieldTestPlugin, Scalars};
use wasm_plugin_tests::{loader, wasm_file};

#[test]
fn eight_threads_call_one_handle_at_once() {
    let plugin = Arc::new(FieldTestPlugin::load(&loader(), wasm_file("fields")).expect("load"));
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let threads: Vec<_> = (0..8i64)
        .map(|thread| {
            let plugin = Arc::clone(&plugin);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                for call in 0..200i64 {
                    let value = thread * 1_000_000 + call;
                    let reply = plugin
                        .transform(Scalars {
                            d: value,
                            n: format!("t{thread}c{call}"),
                            ..Default::default()
                        })
                        .expect("transform");
                    assert_eq!(reply.d, value * 2);
                    assert_eq!(reply.n, format!("t{thread}c{call}bar"));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no thread panicked");
    }
}
