//! What stops a call: a deadline that covers host functions and WASI too, a cancellation from
//! another thread, a fuel budget; each with its own error, each replacing the instance.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use wasm_plugin_runtime::{CallContext, CancelToken, Error, Grants, Loader};
use wasm_plugin_tests::faults::{Amount, FaultsPlugin, Text};
use wasm_plugin_tests::hostfn::{CountRequest, GreeterPlugin, HostFunctions};
use wasm_plugin_tests::hosts::Recorder;
use wasm_plugin_tests::wasm_file;

fn text(text: &str) -> Text {
    Text { text: text.into() }
}

fn faults(grants: Grants) -> FaultsPlugin {
    FaultsPlugin::builder(&Loader::new().expect("loader"))
        .grants(grants)
        .load(wasm_file("faults"))
        .expect("load")
}

#[test]
fn a_deadline_covers_time_in_host_functions() {
    // Each Count takes 100 ms in the host; the deadline passes during the second.
    let host = Recorder {
        count_delay: Duration::from_millis(100),
        ..Recorder::default()
    };
    let plugin = GreeterPlugin::builder(&Loader::new().expect("loader"))
        .grants(Grants::new().deadline(Duration::from_millis(150)))
        .host_module(host.clone().into_host_module())
        .load(wasm_file("hostfn"))
        .expect("load");
    let started = Instant::now();
    let error = plugin
        .count_many(CountRequest { times: 50 })
        .expect_err("past the deadline");
    let took = started.elapsed();
    assert!(
        matches!(&error, Error::DeadlineExceeded { deadline, .. } if *deadline == Duration::from_millis(150)),
        "{error:?}"
    );
    // Stopped when the host function that outlived the deadline returned.
    assert_eq!(host.count.load(Ordering::SeqCst), 2);
    assert!(took < Duration::from_millis(600), "{took:?}");
}

#[test]
fn a_deadline_ends_a_sleep_in_wasi_and_an_endless_loop() {
    let plugin = faults(Grants::new().deadline(Duration::from_millis(100)));
    for (what, result) in [
        ("sleep", plugin.sleep(Amount { value: 60_000 }).map(|_| ())),
        ("spin", plugin.spin(text("")).map(|_| ())),
    ] {
        let error = result.expect_err(what);
        assert!(
            matches!(error, Error::DeadlineExceeded { .. }),
            "{what}: {error:?}"
        );
    }
    // A fresh instance serves the next call.
    assert_eq!(plugin.count(text("")).expect("count").value, 1);
}

#[test]
fn a_call_timeout_tightens_the_deadline() {
    let plugin = faults(Grants::new().deadline(Duration::from_secs(60)));
    let started = Instant::now();
    let error = plugin
        .with_context(CallContext::new().timeout(Duration::from_millis(50)))
        .spin(text(""))
        .expect_err("timeout");
    assert!(
        matches!(&error, Error::DeadlineExceeded { deadline, .. } if *deadline == Duration::from_millis(50)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_running_call_is_cancelled_from_another_thread() {
    let plugin = faults(Grants::new());
    assert_eq!(plugin.count(text("")).expect("count").value, 1);
    for (what, call) in [("an endless loop", 0), ("a sleep in WASI", 1)] {
        let token = CancelToken::new();
        let scoped = plugin.with_context(CallContext::new().cancel_token(token.clone()));
        let runner = std::thread::spawn(move || {
            let result = match call {
                0 => scoped.spin(text("")).map(|_| ()),
                _ => scoped.sleep(Amount { value: 60_000 }).map(|_| ()),
            };
            (result, Instant::now())
        });
        std::thread::sleep(Duration::from_millis(50));
        let cancelled_at = Instant::now();
        token.cancel();
        let (result, ended_at) = runner.join().expect("runner");
        let error = result.expect_err(what);
        assert!(
            matches!(error, Error::Cancelled { .. }),
            "{what}: {error:?}"
        );
        let latency = ended_at.duration_since(cancelled_at);
        assert!(latency < Duration::from_millis(500), "{what}: {latency:?}");
    }
    // The instances that were stopped were dropped: the count starts over.
    assert_eq!(plugin.count(text("")).expect("count").value, 1);
}

#[test]
fn a_cancelled_token_stops_calls_before_they_start_and_host_functions_see_it() {
    let token = CancelToken::new();
    token.cancel();
    let plugin = faults(Grants::new());
    let error = plugin
        .with_context(CallContext::new().cancel_token(token))
        .count(text(""))
        .expect_err("cancelled");
    assert!(matches!(error, Error::Cancelled { .. }), "{error:?}");
    // Without the token, the same plugin answers.
    assert!(plugin.count(text("")).is_ok());
}

#[test]
fn fuel_stops_an_endless_loop_deterministically() {
    let loader = Loader::builder()
        .fuel_metering(true)
        .build()
        .expect("loader");
    let plugin = FaultsPlugin::builder(&loader)
        .grants(Grants::new().fuel(5_000_000))
        .load(wasm_file("faults"))
        .expect("load");
    let error = plugin.spin(text("")).expect_err("out of fuel");
    assert!(
        matches!(&error, Error::FuelExhausted { fuel, .. } if *fuel == 5_000_000),
        "{error:?}"
    );
    // A budget is per call, and the same work gives the same outcome every time: the smallest
    // budget that lets a call through, found once, lets it through again, and one less stops it.
    // (A budget too small to even load the plugin counts as stopping it.)
    let with_budget = |fuel: u64| {
        FaultsPlugin::builder(&loader)
            .grants(Grants::new().fuel(fuel))
            .load(wasm_file("faults"))
            .and_then(|plugin| plugin.hog(Amount { value: 1 << 16 }))
            .is_ok()
    };
    let (mut low, mut high) = (0u64, 5_000_000u64);
    assert!(with_budget(high));
    while high - low > 1 {
        let middle = (low + high) / 2;
        if with_budget(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    for _ in 0..3 {
        assert!(with_budget(high), "{high} fuel worked once");
        assert!(!with_budget(high - 1), "{} fuel failed once", high - 1);
    }
}
