//! The benchmark: rules_wasm_plugin ("ours") against Extism and a raw-wasmtime floor, on the
//! same guest logic and prost messages, in one run. Prints Markdown tables (median and the
//! spread from the 10th to the 90th percentile of the batches).
//!
//! Usage: bench-runner PLUGIN_DIR [--smoke]. `bench/run.sh` builds the plugins and runs it;
//! `--smoke` runs every scenario briefly, to check that the benchmark works (CI).
//!
//! Every system's answers are checked on every scenario before anything is timed. The systems
//! of a row are measured in rounds, one batch each per round, in an order that rotates from
//! round to round, so that drift on a noisy machine hits all of them alike.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use bench_runner::bench::{request, BenchPlugin, Blob, Chunk, Enum, IntValue, Request};
use bench_runner::systems::{
    self, call_extism, Extism, Ours, Raw, RawPre, System, Wasmtime, EXTISM, OURS, RAW,
};
use bench_runner::{logic, rss_bytes};
use wasm_plugin_runtime::prost::bytes::Bytes;
use wasm_plugin_runtime::{CallContext, CancelToken, Grants, Loader};

/// One exchange, run on whichever system it is given.
type Scenario<'a> = Box<dyn Fn(&dyn System) + 'a>;

struct Settings {
    batches: usize,
    batch_time: Duration,
    smoke: bool,
}

/// How many calls of `f` fill a batch, after warming it up.
fn calibrate(settings: &Settings, f: &mut (dyn FnMut() + '_)) -> u64 {
    let started = Instant::now();
    let mut calls = 0u64;
    while calls < 3 || started.elapsed() < settings.batch_time / 4 {
        f();
        calls += 1;
        if settings.smoke {
            break;
        }
    }
    let per_call = started.elapsed().as_secs_f64() / calls as f64;
    ((settings.batch_time.as_secs_f64() / per_call) as u64).max(1)
}

/// Times each of `cases` in batches, interleaved: every round runs one batch of each case, in
/// an order rotated by one each round. Returns the nanoseconds per call, per case.
fn measure(settings: &Settings, mut cases: Vec<Box<dyn FnMut() + '_>>) -> Vec<Stats> {
    let calls: Vec<u64> = cases.iter_mut().map(|f| calibrate(settings, f)).collect();
    let mut samples = vec![Vec::with_capacity(settings.batches); cases.len()];
    for round in 0..settings.batches {
        for k in 0..cases.len() {
            let i = (round + k) % cases.len();
            let started = Instant::now();
            for _ in 0..calls[i] {
                cases[i]();
            }
            samples[i].push(started.elapsed().as_nanos() as f64 / calls[i] as f64);
        }
    }
    samples.into_iter().map(stats).collect()
}

/// Median and 10th-90th percentile spread, in nanoseconds.
#[derive(Clone, Copy)]
struct Stats {
    median: f64,
    low: f64,
    high: f64,
}

fn stats(mut samples: Vec<f64>) -> Stats {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        low: at(0.1),
        high: at(0.9),
    }
}

/// A row of the earliest, median and slowest of `samples` (nanoseconds, possibly negative).
fn print_spread(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let signed = |ns: f64| {
        if ns < 0.0 {
            format!("−{}", human(-ns))
        } else {
            human(ns)
        }
    };
    println!(
        "| {what} | {} | {} | {} |",
        signed(samples[0]),
        signed(samples[samples.len() / 2]),
        signed(samples[samples.len() - 1])
    );
}

/// Async calls against blocking ones on the same plugin: the cost of a call as a future, and
/// calls that wait in a host function, many in flight on two workers.
fn async_calls(
    settings: &Settings,
    wasm: &[u8],
    exchanges: &Exchanges,
    smoke: bool,
) -> anyhow::Result<()> {
    use bench_runner::bench::Count;
    use bench_runner::bench_async::BenchPlugin as AsyncBenchPlugin;
    use systems::AsyncIncrement;

    println!("\n## Async calls (ours)\n");
    println!(
        "Per call, in batches of {ASYNC_BATCH} calls: blocking calls in a loop, and async calls \
         awaited in a loop inside one `block_on` of a current-thread tokio runtime.\n"
    );
    println!("| scenario | blocking | async | async / blocking |");
    println!("|---|---|---|---|");
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let loader = Loader::new()?;
    let blocking = Ours::load(&loader, wasm)?;
    let load_async = |delay| {
        current.block_on(AsyncBenchPlugin::load_bytes(
            &loader,
            wasm,
            AsyncIncrement { delay },
        ))
    };
    let asynchronous = load_async(None)?;
    // The same answers first.
    let fields = current.block_on(asynchronous.fields(&exchanges.fields))?;
    ensure!(
        fields == blocking.0.fields(&exchanges.fields)?,
        "async fields answered differently"
    );
    let count = Count {
        value: exchanges.host_calls,
    };
    ensure!(
        current.block_on(asynchronous.call_host(count))? == blocking.0.call_host(count)?,
        "async host calls answered differently"
    );
    type Call<'a> = Box<dyn Fn(&Ours) + 'a>;
    type AsyncCall<'a> = Box<
        dyn Fn(
                &'a AsyncBenchPlugin,
            ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>
            + 'a,
    >;
    let rows: Vec<(String, Call, AsyncCall)> = vec![
        (
            "empty call".into(),
            Box::new(|ours: &Ours| ours.nothing()),
            Box::new(|plugin| Box::pin(async move { plugin.nothing(()).await.expect("nothing") })),
        ),
        (
            "fields round trip".into(),
            Box::new(|ours: &Ours| {
                ours.fields(&exchanges.fields);
            }),
            Box::new(|plugin| {
                Box::pin(async move {
                    plugin.fields(&exchanges.fields).await.expect("fields");
                })
            }),
        ),
        (
            format!(
                "{} guest-to-host calls (async: an async host function)",
                exchanges.host_calls
            ),
            Box::new(|ours: &Ours| {
                ours.call_host(exchanges.host_calls);
            }),
            Box::new(|plugin| {
                Box::pin(async move {
                    plugin.call_host(&count).await.expect("call_host");
                })
            }),
        ),
    ];
    for (name, call, call_async) in &rows {
        let results = measure(
            settings,
            vec![
                Box::new(|| {
                    for _ in 0..ASYNC_BATCH {
                        call(&blocking);
                    }
                }),
                Box::new(|| {
                    current.block_on(async {
                        for _ in 0..ASYNC_BATCH {
                            call_async(&asynchronous).await;
                        }
                    })
                }),
            ],
        );
        let per_call = |stats: Stats| Stats {
            median: stats.median / ASYNC_BATCH as f64,
            low: stats.low / ASYNC_BATCH as f64,
            high: stats.high / ASYNC_BATCH as f64,
        };
        let (sync, asynchronous) = (per_call(results[0]), per_call(results[1]));
        println!(
            "| {name} | {} | {} | {:.2} |",
            cell(sync),
            cell(asynchronous),
            asynchronous.median / sync.median
        );
    }

    // Calls whose host function waits 1 ms, from 64 callers, for a window.
    let in_flight = 64;
    let wait = Duration::from_millis(1);
    let window = Duration::from_millis(if smoke { 50 } else { 1000 });
    println!(
        "\n| {in_flight} calls in flight, each waiting {} ms in its host function | calls per second |",
        wait.as_millis()
    );
    println!("|---|---|");
    struct Sleepy(Duration);
    impl bench_runner::bench::Host for Sleepy {
        fn increment(
            &self,
            _context: &wasm_plugin_runtime::HostContext<'_>,
            request: Count,
        ) -> Result<Count, wasm_plugin_runtime::HostError> {
            std::thread::sleep(self.0);
            Ok(Count {
                value: request.value + 1,
            })
        }
    }
    let sleepy = Arc::new(bench_runner::bench::BenchPlugin::load_bytes(
        &Loader::builder().max_idle_instances(in_flight).build()?,
        wasm,
        Sleepy(wait),
    )?);
    let one = Count { value: 1 };
    let blocking_rate = throughput(2, window, |_| {
        let sleepy = Arc::clone(&sleepy);
        Box::new(move || {
            sleepy.call_host(one).expect("call_host");
        })
    });
    let workers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()?;
    let waiting = Arc::new(workers.block_on(AsyncBenchPlugin::load_bytes(
        &Loader::builder().max_idle_instances(in_flight).build()?,
        wasm,
        AsyncIncrement { delay: Some(wait) },
    ))?);
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..in_flight)
        .map(|_| {
            let (waiting, done) = (Arc::clone(&waiting), Arc::clone(&done));
            workers.spawn(async move {
                while started.elapsed() < window {
                    waiting.call_host(one).await.expect("call_host");
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        workers.block_on(task)?;
    }
    let async_rate =
        done.load(std::sync::atomic::Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    // The case: 64 calls at once, each waiting 100 ms.
    let slow = Arc::new(workers.block_on(AsyncBenchPlugin::load_bytes(
        &Loader::builder().max_idle_instances(in_flight).build()?,
        wasm,
        AsyncIncrement {
            delay: Some(Duration::from_millis(100)),
        },
    ))?);
    workers.block_on(slow.as_ref().as_ref().warm_up_async(in_flight))?;
    let started = Instant::now();
    let calls: Vec<_> = (0..in_flight)
        .map(|_| {
            let slow = Arc::clone(&slow);
            workers.spawn(async move { slow.call_host(one).await.map(drop) })
        })
        .collect();
    for call in calls {
        workers.block_on(call)??;
    }
    let all_done = started.elapsed();
    println!("| blocking calls from 2 threads (a blocking host function that sleeps) | {blocking_rate:.0}/s |");
    println!(
        "| async calls from {in_flight} tasks on 2 tokio workers (an async host function that awaits a timer) | {async_rate:.0}/s ({:.1}x) |",
        async_rate / blocking_rate
    );
    println!(
        "\n{in_flight} async calls started at once on 2 workers, each waiting 100 ms in its host \
         function, all returned after {} (one after another they would take {} s).",
        human(all_done.as_nanos() as f64),
        in_flight as f64 * 0.1 / 2.0
    );
    Ok(())
}

/// Calls per batch of the async rows, so that `block_on` counts for little.
const ASYNC_BATCH: u64 = 100;

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn cell(stats: Stats) -> String {
    let spread = (stats.high - stats.low) / stats.median * 50.0;
    format!("{} ±{spread:.0}%", human(stats.median))
}

fn fields_request() -> Request {
    Request {
        a: 1.2,
        b: 3.4,
        c: 5,
        d: -6,
        e: 7,
        f: 8,
        g: 9,
        h: -10,
        i: 11,
        j: 12,
        k: 13,
        l: -14,
        m: false,
        n: "foo".into(),
        o: b"hoge".to_vec(),
        p: vec!["a".into(), "b".into()],
        q: HashMap::from([("key".into(), IntValue { a: 15 })]),
        r: Some(request::Nested {
            a: "samurai".into(),
        }),
        s: Enum::A as i32,
    }
}

struct Plugins {
    ours: Vec<u8>,
    extism: Vec<u8>,
    raw: Vec<u8>,
    paths: [PathBuf; 3],
}

fn load_plugins(dir: &Path) -> anyhow::Result<Plugins> {
    let paths = [
        "bench_plugin_ours",
        "bench_plugin_extism",
        "bench_plugin_raw",
    ]
    .map(|name| dir.join(format!("{name}.wasm")));
    Ok(Plugins {
        ours: systems::read(&paths[0])?,
        extism: systems::read(&paths[1])?,
        raw: systems::read(&paths[2])?,
        paths,
    })
}

/// The exchanges of the calls table, with their inputs.
struct Exchanges {
    echoes: Vec<(String, Blob)>,
    fields: Request,
    host_calls: u64,
}

/// Checks that `system` answers every exchange as the guest logic says it must.
fn check(name: &str, system: &dyn System, exchanges: &Exchanges) -> anyhow::Result<()> {
    system.nothing();
    for (label, blob) in &exchanges.echoes {
        ensure!(
            system.echo(blob) == *blob,
            "{name}: {label} answered wrongly"
        );
    }
    ensure!(
        system.fields(&exchanges.fields) == logic::fields(exchanges.fields.clone()),
        "{name}: the fields round trip answered wrongly"
    );
    let times = exchanges.host_calls;
    ensure!(
        system.call_host(times) == times,
        "{name}: {times} guest-to-host calls answered wrongly"
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .context("usage: bench-runner PLUGIN_DIR [--smoke]")?,
    );
    let smoke = args.any(|arg| arg == "--smoke");
    let settings = Settings {
        batches: if smoke { 1 } else { 15 },
        batch_time: Duration::from_millis(if smoke { 5 } else { 200 }),
        smoke,
    };
    let plugins = load_plugins(&dir)?;

    let loader = Loader::new()?;
    let ours = Ours::load(&loader, &plugins.ours)?;
    // Grants of its own, on the same loader (one engine for both).
    let granted = Grants::new()
        .deadline(Duration::from_secs(1))
        .memory_limit(64 << 20)
        .env("MODE", "bench");
    let ours_granted = Ours::with_grants(&loader, &plugins.ours, granted)?;
    // Fuel needs a loader that counts it (other compiled code); a budget no call exhausts.
    let fuel_loader = Loader::builder().fuel_metering(true).build()?;
    let ours_fuel = Ours::with_grants(&fuel_loader, &plugins.ours, Grants::new().fuel(1 << 40))?;
    let extism = Extism::new(extism::Plugin::new(
        &plugins.extism,
        systems::extism_functions(),
        true,
    )?);
    let engine = systems::raw_engine()?;
    let raw_module = wasmtime::Module::new(&engine, &plugins.raw).wt()?;
    let raw_linker = systems::raw_linker(&engine)?;
    let raw_pre = RawPre::new(&raw_linker, &raw_module)?;
    let raw = Raw::instantiate(&raw_pre)?;
    let contenders: [(&str, &dyn System); 5] = [
        (RAW, &raw),
        (OURS, &ours),
        ("ours, grants", &ours_granted),
        ("ours, fuel", &ours_fuel),
        (EXTISM, &extism),
    ];

    // `--spin SYSTEM`: only call SYSTEM's empty rpc in a loop, for a profiler.
    if let Some(name) = std::env::args().skip_while(|arg| arg != "--spin").nth(1) {
        let (_, system) = contenders
            .iter()
            .find(|(n, _)| *n == name)
            .context("no such system")?;
        let started = Instant::now();
        for _ in 0..5_000_000 {
            system.nothing();
        }
        println!(
            "{:.1} ns per call",
            started.elapsed().as_nanos() as f64 / 5e6
        );
        return Ok(());
    }

    // `--spin-async`: only await our async handle's empty rpc in a loop, for a profiler.
    if std::env::args().any(|arg| arg == "--spin-async") {
        let current = tokio::runtime::Builder::new_current_thread().build()?;
        let plugin = current.block_on(bench_runner::bench_async::BenchPlugin::load_bytes(
            &loader,
            &plugins.ours,
            systems::AsyncIncrement { delay: None },
        ))?;
        let started = Instant::now();
        current.block_on(async {
            for _ in 0..2_000_000 {
                plugin.nothing(()).await.expect("nothing");
            }
        });
        println!(
            "{:.1} ns per call",
            started.elapsed().as_nanos() as f64 / 2e6
        );
        return Ok(());
    }

    // `--spin-instantiate`: only instantiate our plugin from its module and call it once, in a
    // loop, for a profiler.
    if std::env::args().any(|arg| arg == "--spin-instantiate") {
        let module = loader.compile_bytes(&plugins.ours)?;
        let started = Instant::now();
        for _ in 0..20_000 {
            Ours(BenchPlugin::from_module(&module, systems::Increment)?).nothing();
        }
        let ours = started.elapsed().as_secs_f64() * 1e6 / 20_000.0;
        // A fresh instance for every call: what a call costs when no instance is idle.
        let fresh_loader = Loader::builder().max_idle_instances(0).build()?;
        let fresh = Ours::load(&fresh_loader, &plugins.ours)?;
        let started = Instant::now();
        for _ in 0..20_000 {
            fresh.nothing();
        }
        let instance = started.elapsed().as_secs_f64() * 1e6 / 20_000.0;
        let started = Instant::now();
        for _ in 0..20_000 {
            Raw::instantiate(&raw_pre)?.nothing();
        }
        let floor = started.elapsed().as_secs_f64() * 1e6 / 20_000.0;
        println!(
            "load from a module and call: ours {ours:.1} µs; instantiate and call: ours \
             {instance:.1} µs, floor {floor:.1} µs"
        );
        return Ok(());
    }

    let blob = |size: usize| Blob {
        data: (0..size).map(|i| i as u8).collect(),
    };
    let exchanges = Exchanges {
        echoes: vec![
            ("echo 16 B".into(), blob(16)),
            ("echo 1 KiB".into(), blob(1 << 10)),
            ("echo 64 KiB".into(), blob(64 << 10)),
            ("echo 1 MiB".into(), blob(1 << 20)),
        ],
        fields: fields_request(),
        host_calls: if smoke { 10 } else { 1000 },
    };
    // Every system gives the right answers before it is timed.
    for (name, system) in contenders {
        check(name, system, &exchanges)?;
    }

    println!("## Calls (per call; median ±half the 10th-90th percentile spread)\n");
    println!(
        "*ours, grants*: the same loader, the plugin with grants of its own (a 1 s deadline, a \
         64 MiB memory limit, an environment). *ours, fuel*: a loader with fuel metering, a \
         budget no call exhausts.\n"
    );
    print!("| scenario |");
    for (name, _) in contenders {
        print!(" {name} |");
    }
    println!(" ours / floor | grants / ours | fuel / ours | Extism / ours |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut scenarios: Vec<(String, Scenario)> =
        vec![("empty call".into(), Box::new(|s: &dyn System| s.nothing()))];
    for (name, data) in &exchanges.echoes {
        scenarios.push((
            name.clone(),
            Box::new(move |s: &dyn System| {
                s.echo(data);
            }),
        ));
    }
    scenarios.push((
        "fields round trip".into(),
        Box::new(|s: &dyn System| {
            s.fields(&exchanges.fields);
        }),
    ));
    scenarios.push((
        format!("{} guest-to-host calls", exchanges.host_calls),
        Box::new(|s: &dyn System| {
            s.call_host(exchanges.host_calls);
        }),
    ));
    for (name, scenario) in &scenarios {
        let cases: Vec<Box<dyn FnMut()>> = contenders
            .iter()
            .map(|(_, system)| -> Box<dyn FnMut()> { Box::new(move || scenario(*system)) })
            .collect();
        let results = measure(&settings, cases);
        print!("| {name} |");
        for result in &results {
            print!(" {} |", cell(*result));
        }
        let ratio = |i: usize, of: usize| results[i].median / results[of].median;
        println!(
            " {:.2} | {:.2} | {:.2} | {:.1} |",
            ratio(1, 0),
            ratio(2, 1),
            ratio(3, 1),
            ratio(4, 1)
        );
    }

    println!("\n## Bytes fields (an echo of one `bytes` field, per call)\n");
    println!(
        "*bare floor*: the raw floor without protobuf: the bytes are copied into the guest, \
         which answers with its input, and copied out. *ours, `Vec<u8>`*: the echo above. \
         *ours, `Bytes`*: the same echo with the field generated as `bytes::Bytes` on both \
         sides (prost's `bytes` option).\n"
    );
    println!(
        "| scenario | bare floor | ours, `Vec<u8>` | ours, `Bytes` | `Vec<u8>` / bare | \
         `Bytes` / bare |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, blob) in &exchanges.echoes {
        let chunk = Chunk {
            data: Bytes::from(blob.data.clone()),
        };
        ensure!(
            raw.echo_bare(&blob.data) == blob.data,
            "the bare floor: {name} answered wrongly"
        );
        ensure!(
            ours.echo_chunk(&chunk) == chunk,
            "ours: {name} of a `Bytes` field answered wrongly"
        );
        let results = measure(
            &settings,
            vec![
                Box::new(|| {
                    raw.echo_bare(&blob.data);
                }),
                Box::new(|| {
                    ours.echo(blob);
                }),
                Box::new(|| {
                    ours.echo_chunk(&chunk);
                }),
            ],
        );
        print!("| {name} |");
        for result in &results {
            print!(" {} |", cell(*result));
        }
        let ratio = |i: usize| results[i].median / results[0].median;
        println!(" {:.2} | {:.2} |", ratio(1), ratio(2));
    }

    println!("\n## Loading\n");
    println!("| scenario | raw floor | ours | Extism |");
    println!("|---|---|---|---|");
    let slow = Settings {
        batches: if smoke { 1 } else { 7 },
        batch_time: Duration::from_millis(if smoke { 1 } else { 300 }),
        smoke,
    };
    let cold = measure(
        &slow,
        vec![
            Box::new(|| {
                let module = wasmtime::Module::new(&engine, &plugins.raw).expect("compile");
                Raw::instantiate(&RawPre::new(&raw_linker, &module).expect("link"))
                    .expect("instantiate")
                    .nothing();
            }),
            Box::new(|| {
                Ours::load(&loader, &plugins.ours).expect("load").nothing();
            }),
            Box::new(|| {
                let plugin = extism::PluginBuilder::new(plugins.extism.as_slice())
                    .with_wasi(true)
                    .with_functions(systems::extism_functions())
                    .with_cache_disabled()
                    .build()
                    .expect("load");
                Extism::new(plugin).nothing();
            }),
        ],
    );
    println!(
        "| cold load from .wasm + first call | {} | {} | {} |",
        cell(cold[0]),
        cell(cold[1]),
        cell(cold[2])
    );

    let cache = tempfile::tempdir()?;
    let raw_cached = cache.path().join("raw.cwasm");
    std::fs::write(&raw_cached, raw_module.serialize().wt()?)?;
    let cached_loader = Loader::builder()
        .cache_dir(cache.path().join("ours"))
        .build()?;
    Ours::load(&cached_loader, &plugins.ours)?;
    let extism_cache_config = cache.path().join("extism-cache.toml");
    std::fs::write(
        &extism_cache_config,
        format!(
            "[cache]\ndirectory = \"{}\"\n",
            cache.path().join("extism").display()
        ),
    )?;
    let extism_cached = || {
        extism::PluginBuilder::new(plugins.extism.as_slice())
            .with_wasi(true)
            .with_functions(systems::extism_functions())
            .with_cache_config(&extism_cache_config)
            .build()
            .expect("load")
    };
    drop(extism_cached());
    let warm = measure(
        &slow,
        vec![
            Box::new(|| {
                // SAFETY: the file was serialized by this engine just above.
                let module = unsafe { wasmtime::Module::deserialize_file(&engine, &raw_cached) }
                    .expect("deserialize");
                Raw::instantiate(&RawPre::new(&raw_linker, &module).expect("link"))
                    .expect("instantiate")
                    .nothing();
            }),
            Box::new(|| {
                Ours::load(&cached_loader, &plugins.ours)
                    .expect("load")
                    .nothing();
            }),
            Box::new(|| Extism::new(extism_cached()).nothing()),
        ],
    );
    println!(
        "| load from a precompiled cache + first call | {} | {} | {} |",
        cell(warm[0]),
        cell(warm[1]),
        cell(warm[2])
    );

    let our_module = loader.compile_bytes(&plugins.ours)?;
    let extism_compiled = extism::CompiledPlugin::new(
        extism::PluginBuilder::new(plugins.extism.as_slice())
            .with_wasi(true)
            .with_functions(systems::extism_functions()),
    )?;
    let from_module = measure(
        &slow,
        vec![
            Box::new(|| {
                Raw::instantiate(&RawPre::new(&raw_linker, &raw_module).expect("link"))
                    .expect("instantiate")
                    .nothing()
            }),
            Box::new(|| {
                Ours(
                    BenchPlugin::from_module(&our_module, systems::Increment).expect("instantiate"),
                )
                .nothing()
            }),
            Box::new(|| {
                Extism::new(
                    extism::Plugin::new_from_compiled(&extism_compiled).expect("instantiate"),
                )
                .nothing()
            }),
        ],
    );
    println!(
        "| load from a compiled module + first call | {} | {} | {} |",
        cell(from_module[0]),
        cell(from_module[1]),
        cell(from_module[2])
    );
    // A handle that keeps no idle instance: each call instantiates, as when none is idle.
    let fresh_loader = Loader::builder().max_idle_instances(0).build()?;
    let fresh = Ours::load(&fresh_loader, &plugins.ours)?;
    let instantiate = measure(
        &slow,
        vec![
            Box::new(|| Raw::instantiate(&raw_pre).expect("instantiate").nothing()),
            Box::new(|| fresh.nothing()),
            Box::new(|| {
                Extism::new(
                    extism::Plugin::new_from_compiled(&extism_compiled).expect("instantiate"),
                )
                .nothing()
            }),
        ],
    );
    println!(
        "| instantiate + first call | {} | {} | {} |",
        cell(instantiate[0]),
        cell(instantiate[1]),
        cell(instantiate[2])
    );

    // Each system in a fresh process of its own (see src/bin/idle-memory.rs).
    let memory = [RAW, OURS, EXTISM]
        .map(|name| idle_memory_in_child(&dir, name, smoke))
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    println!(
        "| live heap per idle instance | {} KiB | {} KiB | {} KiB |",
        memory[0].0 / 1024,
        memory[1].0 / 1024,
        memory[2].0 / 1024
    );
    println!(
        "| resident memory per idle instance | {} KiB | {} KiB | {} KiB |",
        memory[0].1 / 1024,
        memory[1].1 / 1024,
        memory[2].1 / 1024
    );
    let sizes = plugins
        .paths
        .each_ref()
        .map(|path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    println!(
        "| `.wasm` size | {} B | {} B | {} B |",
        sizes[2], sizes[0], sizes[1]
    );

    println!("\n## Stopping a call (ours)\n");
    println!("| what | earliest | median | slowest |");
    println!("|---|---|---|---|");
    let rounds = if smoke { 3 } else { 25 };
    // Calls that never end by themselves.
    const FOREVER: bench_runner::bench::Count = bench_runner::bench::Count { value: u64::MAX };
    // Each runs a call that must be stopped, and says whether it ended in an error.
    type Stoppable = fn(&Ours) -> bool;
    let loops: [(&str, Stoppable); 2] = [
        ("a loop of host calls", |ours| {
            ours.0.call_host(FOREVER).is_err()
        }),
        ("a WebAssembly loop", |ours| ours.0.spin(FOREVER).is_err()),
    ];
    for (what, stopped) in loops {
        let mut latencies = Vec::new();
        for _ in 0..rounds {
            let token = CancelToken::new();
            let scoped = Ours(
                ours.0
                    .with_context(CallContext::new().cancel_token(token.clone())),
            );
            let running = std::thread::spawn(move || (stopped(&scoped), Instant::now()));
            std::thread::sleep(Duration::from_millis(20));
            let cancelled_at = Instant::now();
            token.cancel();
            let (stopped, ended_at) = running.join().expect("the running call");
            ensure!(stopped, "a cancelled call ({what}) returned normally");
            latencies.push(ended_at.duration_since(cancelled_at).as_nanos() as f64);
        }
        print_spread(
            &format!(
                "cancellation of {what}: from `CancelToken::cancel` to the call's return ({rounds} calls)"
            ),
            latencies,
        );
    }
    let deadline = Duration::from_millis(10);
    let bounded = Ours::with_grants(&loader, &plugins.ours, Grants::new().deadline(deadline))?;
    for (what, stopped) in loops {
        let mut lateness = Vec::new();
        for _ in 0..rounds {
            let started = Instant::now();
            ensure!(stopped(&bounded), "the deadline did not stop {what}");
            lateness.push(started.elapsed().as_nanos() as f64 - deadline.as_nanos() as f64);
        }
        print_spread(
            &format!(
                "deadline of 10 ms, {what}: when the call returns, after the deadline ({rounds} calls)"
            ),
            lateness,
        );
    }

    async_calls(&settings, &plugins.ours, &exchanges, smoke)?;

    println!("\n## Throughput on one handle (echo 16 B)\n");
    println!("| threads | raw floor (an instance per thread) | ours | Extism (its pool) |");
    println!("|---|---|---|---|");
    let window = Duration::from_millis(if smoke { 20 } else { 1000 });
    let ours_shared = Arc::new(Ours::load(&loader, &plugins.ours)?);
    let extism_pool = extism::Pool::new({
        let wasm = plugins.extism.clone();
        move || extism::Plugin::new(&wasm, systems::extism_functions(), true)
    });
    let extism_pool = Arc::new(extism_pool);
    let mut first = [0.0f64; 3];
    for threads in [1usize, 2] {
        let rates = [
            throughput(threads, window, |_| {
                let raw = Raw::instantiate(&raw_pre).expect("instantiate");
                let data = Blob { data: vec![7; 16] };
                Box::new(move || {
                    raw.echo(&data);
                })
            }),
            throughput(threads, window, |_| {
                let ours = Arc::clone(&ours_shared);
                let data = Blob { data: vec![7; 16] };
                Box::new(move || {
                    ours.echo(&data);
                })
            }),
            throughput(threads, window, |_| {
                let pool = Arc::clone(&extism_pool);
                let data = Blob { data: vec![7; 16] };
                let mut buffer = Vec::new();
                Box::new(move || {
                    let mut plugin = pool
                        .get(Duration::from_secs(5))
                        .expect("pool")
                        .expect("plugin");
                    let _: Blob = call_extism(&mut plugin, &mut buffer, "echo", &data);
                })
            }),
        ];
        if threads == 1 {
            first = rates;
        }
        let show = |i: usize| format!("{:.0}/s ({:.2}x)", rates[i], rates[i] / first[i]);
        println!("| {threads} | {} | {} | {} |", show(0), show(1), show(2));
    }

    println!("\n## Leaks (ours, echo 16 B)\n");
    let (short, long) = if smoke {
        (100, 1_000)
    } else {
        (10_000, 1_000_000)
    };
    let data = Blob { data: vec![7; 16] };
    for _ in 0..short {
        ours.echo(&data);
    }
    let after_short = rss_bytes()?;
    for _ in short..long {
        ours.echo(&data);
    }
    let after_long = rss_bytes()?;
    println!("| after {short} calls | after {long} calls | change |");
    println!("|---|---|---|");
    println!(
        "| {} KiB | {} KiB | {:+.2}% |",
        after_short / 1024,
        after_long / 1024,
        (after_long as f64 - after_short as f64) / after_short as f64 * 100.0
    );
    Ok(())
}

/// Runs the `idle-memory` probe on `system` in a process of its own and returns the bytes per
/// idle instance it reports: (live heap, resident). Fails if the probe fails.
fn idle_memory_in_child(dir: &Path, system: &str, smoke: bool) -> anyhow::Result<(u64, u64)> {
    let probe = std::env::current_exe()?.with_file_name("idle-memory");
    let mut command = std::process::Command::new(&probe);
    command.arg(dir).arg(system);
    if smoke {
        command.arg("--smoke");
    }
    let output = command
        .output()
        .with_context(|| format!("run {}", probe.display()))?;
    ensure!(
        output.status.success(),
        "the memory probe for {system} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let numbers: Vec<u64> = text
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .with_context(|| format!("the memory probe for {system} printed {text:?}"))?;
    match numbers[..] {
        [heap, resident] => Ok((heap, resident)),
        _ => anyhow::bail!("the memory probe for {system} printed {text:?}, not two numbers"),
    }
}

/// Calls per second of `threads` threads together, each running the call `make` gives it.
fn throughput(
    threads: usize,
    window: Duration,
    make: impl Fn(usize) -> Box<dyn FnMut() + Send>,
) -> f64 {
    let barrier = Arc::new(std::sync::Barrier::new(threads));
    let workers: Vec<_> = (0..threads)
        .map(|thread| {
            let mut call = make(thread);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let started = Instant::now();
                let mut calls = 0u64;
                while started.elapsed() < window {
                    for _ in 0..64 {
                        call();
                    }
                    calls += 64;
                }
                calls as f64 / started.elapsed().as_secs_f64()
            })
        })
        .collect();
    workers.into_iter().map(|w| w.join().expect("worker")).sum()
}
