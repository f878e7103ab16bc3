//! Async hosts: rpcs that are futures (`Builder::async_calls`), host functions that await, and
//! everything that works with blocking calls working with them too.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasm_plugin_runtime::{
    CallContext, CancelToken, CapturedOutput, DirAccess, Error, Grants, HostContext, HostError,
    Loader,
};

// The async glue of `tests/proto/hostfn.proto` and `faults.proto` (tests/async/build.rs; under
// Bazel, the test target's `calls = "async"`).
include!(concat!(env!("OUT_DIR"), "/wasm_plugin.rs"));

use faults::{Amount, FaultsPlugin, Text};
use hostfn::{
    CountReply, CountRequest, GreetRequest, GreeterPlugin, HostFunctions, LogRequest,
    LookupRequest, ParseJsonRequest, ParseJsonResponse, Person,
};

/// The `.wasm` of the test plugin `tests/plugins/<name>`: Bazel's (`WASM_PLUGIN_<NAME>`), else
/// built with cargo.
fn wasm_file(name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(format!("WASM_PLUGIN_{}", name.to_uppercase())) {
        return PathBuf::from(path);
    }
    let built = wasm_plugin_testing::build_plugins(&["test-plugin-hostfn", "test-plugin-faults"]);
    match name {
        "hostfn" => built[0].clone(),
        "faults" => built[1].clone(),
        other => panic!("no test plugin {other} here"),
    }
}

/// A tokio runtime with two workers, as a small service has.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("runtime")
}

/// Async host functions: `count` waits on a tokio timer (or forever, when `hang` is set, until
/// its future is dropped, which `dropped` records).
#[derive(Clone, Default)]
struct AsyncHost {
    count_delay: Duration,
    hang: bool,
    counted: Arc<AtomicU64>,
    dropped: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
}

/// Sets its flag when dropped: shows that an abandoned host future was dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl HostFunctions for AsyncHost {
    async fn parse_json(
        &self,
        _context: &HostContext<'_>,
        request: ParseJsonRequest,
    ) -> Result<ParseJsonResponse, HostError> {
        let json: serde_json::Value = serde_json::from_slice(&request.content)?;
        Ok(ParseJsonResponse {
            response: Some(Person {
                name: json["name"].as_str().unwrap_or_default().to_owned(),
                age: json["age"].as_i64().unwrap_or_default(),
            }),
        })
    }

    async fn lookup(
        &self,
        _context: &HostContext<'_>,
        request: LookupRequest,
    ) -> Result<Person, HostError> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        match request.name.as_str() {
            "Sato" => Ok(Person {
                name: "Sato".into(),
                age: 42,
            }),
            other => Err(HostError::new(format!("nobody called {other} lives here"))),
        }
    }

    async fn log(&self, context: &HostContext<'_>, request: LogRequest) -> Result<(), HostError> {
        let entry = format!("{}: {}", context.plugin(), request.message);
        self.log.lock().unwrap().push(entry);
        Ok(())
    }

    async fn count(
        &self,
        _context: &HostContext<'_>,
        _request: (),
    ) -> Result<CountReply, HostError> {
        let _flag = DropFlag(Arc::clone(&self.dropped));
        if self.hang {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(self.count_delay).await;
        Ok(CountReply {
            count: self.counted.fetch_add(1, Ordering::SeqCst) + 1,
        })
    }
}

async fn greeter(loader: &Loader, host: AsyncHost) -> GreeterPlugin {
    GreeterPlugin::load(loader, wasm_file("hostfn"), host)
        .await
        .expect("load the hostfn plugin")
}

fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

#[test]
fn sixty_four_calls_that_await_share_two_workers() {
    let runtime = runtime();
    let host = AsyncHost {
        count_delay: Duration::from_millis(100),
        ..AsyncHost::default()
    };
    let loader = Loader::builder()
        .max_idle_instances(64)
        .build()
        .expect("loader");
    let plugin = runtime.block_on(greeter(&loader, host.clone()));
    runtime
        .block_on(plugin.as_ref().warm_up_async(64))
        .expect("warm up");
    let started = Instant::now();
    let calls: Vec<_> = (0..64)
        .map(|_| {
            let plugin = plugin.clone();
            runtime.spawn(async move { plugin.count_many(CountRequest { times: 1 }).await })
        })
        .collect();
    for call in calls {
        runtime.block_on(call).expect("task").expect("count_many");
    }
    let took = started.elapsed();
    assert_eq!(host.counted.load(Ordering::SeqCst), 64);
    // One after another on two workers, they would take 64 x 100 ms / 2 = 3.2 s.
    assert!(took >= Duration::from_millis(100), "{took:?}");
    assert!(
        took < Duration::from_millis(1_000),
        "64 calls took {took:?}"
    );
}

#[test]
fn dropping_the_future_stops_the_plugin_and_replaces_its_instance() {
    block_on(async {
        let loader = Loader::new().expect("loader");
        let hanging = AsyncHost {
            hang: true,
            ..AsyncHost::default()
        };
        let plugin = greeter(&loader, hanging.clone()).await;
        assert_eq!(plugin.as_ref().stats().idle_instances, 1);
        let call = plugin.count_many(CountRequest { times: 1 });
        let timed_out = tokio::time::timeout(Duration::from_millis(50), call).await;
        assert!(timed_out.is_err(), "the call should still be waiting");
        // No orphaned work: the host function's future was dropped with the call, and the
        // instance the call ran on is gone.
        assert!(hanging.dropped.load(Ordering::SeqCst));
        assert_eq!(plugin.as_ref().stats().idle_instances, 0);

        // A plugin in a loop of its own yields to the executor, so it can be dropped too.
        let faults = FaultsPlugin::load(&loader, wasm_file("faults"))
            .await
            .expect("load");
        let started = Instant::now();
        let spin = faults.spin(Text {
            text: "forever".into(),
        });
        assert!(tokio::time::timeout(Duration::from_millis(50), spin)
            .await
            .is_err());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(faults.as_ref().stats().idle_instances, 0);
        let reply = faults
            .print(Text {
                text: "after".into(),
            })
            .await
            .expect("a fresh instance");
        assert_eq!(reply.text, "after");
    });
}

#[test]
fn deadlines_and_cancellation_bound_time_spent_awaiting() {
    block_on(async {
        let loader = Loader::new().expect("loader");
        let hanging = AsyncHost {
            hang: true,
            ..AsyncHost::default()
        };
        let bounded = GreeterPlugin::builder(&loader)
            .grants(Grants::new().deadline(Duration::from_millis(50)))
            .host_module(hanging.clone().into_host_module())
            .load_async(wasm_file("hostfn"))
            .await
            .expect("load");
        let started = Instant::now();
        let error = bounded
            .count_many(CountRequest { times: 1 })
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert!(matches!(error, Error::DeadlineExceeded { .. }), "{error}");
        assert!(took >= Duration::from_millis(50), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert!(hanging.dropped.load(Ordering::SeqCst));

        let plugin = greeter(&loader, hanging).await;
        let token = CancelToken::new();
        let call = plugin.with_context(CallContext::new().cancel_token(token.clone()));
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            token.cancel();
        });
        let started = Instant::now();
        let result = call.count_many(CountRequest { times: 1 }).await;
        canceller.await.expect("the canceller");
        assert!(matches!(result, Err(Error::Cancelled { .. })), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(2));

        // Sleeping in WASI is bounded the same way.
        let faults = FaultsPlugin::builder(&loader)
            .grants(Grants::new().deadline(Duration::from_millis(50)))
            .load_async(wasm_file("faults"))
            .await
            .expect("load");
        let error = faults.sleep(Amount { value: 60_000 }).await.unwrap_err();
        assert!(matches!(error, Error::DeadlineExceeded { .. }), "{error}");
    });
}

#[test]
fn wasi_sleeps_do_not_hold_a_worker() {
    let runtime = runtime();
    let loader = Loader::builder()
        .max_idle_instances(16)
        .build()
        .expect("loader");
    let plugin = runtime
        .block_on(FaultsPlugin::load(&loader, wasm_file("faults")))
        .expect("load");
    let started = Instant::now();
    let sleeps: Vec<_> = (0..16)
        .map(|_| {
            let plugin = plugin.clone();
            runtime.spawn(async move { plugin.sleep(Amount { value: 100 }).await })
        })
        .collect();
    for sleep in sleeps {
        let slept = runtime.block_on(sleep).expect("task").expect("sleep");
        assert!(slept.value >= 100, "slept {} ms", slept.value);
    }
    let took = started.elapsed();
    // One after another on two workers: 800 ms.
    assert!(took < Duration::from_millis(600), "16 sleeps took {took:?}");
}

#[test]
fn host_function_errors_context_and_output_work_as_with_blocking_calls() {
    block_on(async {
        let stdout = CapturedOutput::new();
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("note.txt"), "from the host").expect("write");
        let loader = Loader::builder()
            .stdout(stdout.clone())
            .env("GREETING", "hello")
            .preopened_dir(dir.path(), "/data", DirAccess::ReadOnly)
            .build()
            .expect("loader");

        let host = AsyncHost::default();
        let plugin = GreeterPlugin::builder(&loader)
            .name("greeter")
            .host_module(host.clone().into_host_module())
            .load_async(wasm_file("hostfn"))
            .await
            .expect("load");
        let known = plugin
            .greet(GreetRequest {
                name: "Sato".into(),
            })
            .await
            .expect("greet");
        let unknown = plugin
            .greet(GreetRequest {
                name: "Suzuki".into(),
            })
            .await
            .expect("greet");
        // What the plugin makes of the host's answers (tests/plugins/hostfn), as with blocking
        // host functions: the host's error reaches it as a value.
        assert_eq!(
            known.message,
            "Hello, Sato (age 42). This is Yamada (age 20)."
        );
        assert_eq!(
            unknown.message,
            "Hello, Suzuki [nobody called Suzuki lives here]. This is Yamada (age 20)."
        );
        assert_eq!(
            host.log.lock().unwrap().first().map(String::as_str),
            Some("greeter: greeting Sato")
        );

        let faults = FaultsPlugin::load(&loader, wasm_file("faults"))
            .await
            .expect("load");
        faults
            .print(Text {
                text: "async".into(),
            })
            .await
            .expect("print");
        assert_eq!(stdout.contents_lossy(), "out: async\n");
        let env = faults
            .getenv(Text {
                text: "GREETING".into(),
            })
            .await
            .expect("getenv");
        assert_eq!(env.text, "hello");
        let file = faults
            .read_file(Text {
                text: "/data/note.txt".into(),
            })
            .await
            .expect("read_file");
        assert_eq!(file.text, "from the host");
        let trap = faults
            .panic(Text {
                text: "boom".into(),
            })
            .await
            .unwrap_err();
        assert!(matches!(trap, Error::Trap { .. }), "{trap}");
    });
}

#[test]
fn an_async_handle_loaded_for_blocking_calls_is_refused_with_a_fix() {
    block_on(async {
        let loader = Loader::new().expect("loader");
        let error = FaultsPlugin::builder(&loader)
            .load(wasm_file("faults"))
            .map(drop)
            .unwrap_err();
        assert!(error.to_string().contains("load_async"), "{error}");
    });
}
