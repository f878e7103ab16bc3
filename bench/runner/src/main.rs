//! The benchmark: rules_wasm_plugin ("ours") against Extism and a raw-wasmtime floor, on the
//! same guest logic and prost messages, in one run. Prints Markdown tables (median and the
//! spread from the 10th to the 90th percentile of the batches).
//!
//! Usage: bench-runner PLUGIN_DIR [--smoke]. `bench/run.sh` builds the plugins and runs it;
//! `--smoke` runs every scenario briefly, to check that the benchmark works (CI).

mod systems;

mod bench {
    include!(concat!(env!("OUT_DIR"), "/bench.rs"));
}

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bench::{request, BenchPlugin, Blob, Enum, IntValue, Request};
use systems::{Extism, Ours, Raw, System, Wasmtime};
use wasm_plugin_runtime::Loader;

/// One exchange, run on whichever system it is given.
type Scenario = Box<dyn Fn(&dyn System)>;

struct Settings {
    batches: usize,
    batch_time: Duration,
    smoke: bool,
}

/// Times `f` in batches and returns the nanoseconds per call of each batch.
fn measure(settings: &Settings, mut f: impl FnMut()) -> Vec<f64> {
    // Warm up, then size the batches.
    let started = Instant::now();
    let mut calibration = 0u64;
    while calibration < 3 || started.elapsed() < settings.batch_time / 4 {
        f();
        calibration += 1;
        if settings.smoke {
            break;
        }
    }
    let per_call = started.elapsed().as_secs_f64() / calibration as f64;
    let calls = ((settings.batch_time.as_secs_f64() / per_call) as u64).max(1);
    (0..settings.batches)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..calls {
                f();
            }
            started.elapsed().as_nanos() as f64 / calls as f64
        })
        .collect()
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

/// Resident memory of this process, from /proc.
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
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
    let extism_plugin = extism::Plugin::new(&plugins.extism, systems::extism_functions(), true)?;
    let extism = Extism(std::sync::Mutex::new(extism_plugin));
    let engine = wasmtime::Engine::default();
    let raw_module = wasmtime::Module::new(&engine, &plugins.raw).wt()?;
    let raw_linker = systems::raw_linker(&engine)?;
    let raw = Raw::instantiate(&raw_linker, &raw_module)?;
    let systems: [(&str, &dyn System); 3] =
        [("raw floor", &raw), ("ours", &ours), ("Extism", &extism)];

    // `--idle-memory SYSTEM`: only measure what an idle instance of SYSTEM takes.
    if let Some(name) = std::env::args()
        .skip_while(|arg| arg != "--idle-memory")
        .nth(1)
    {
        let count = if smoke { 3 } else { 50 };
        let make: Box<dyn Fn() -> Box<dyn System>> = match name.as_str() {
            "raw floor" => Box::new(|| {
                Box::new(Raw::instantiate(&raw_linker, &raw_module).expect("instantiate"))
            }),
            "ours" => {
                let module = loader.compile_bytes(&plugins.ours)?;
                Box::new(move || {
                    Box::new(Ours(
                        BenchPlugin::from_module(&module, systems::Increment).expect("instantiate"),
                    ))
                })
            }
            _ => {
                let compiled = extism::CompiledPlugin::new(
                    extism::PluginBuilder::new(plugins.extism.as_slice())
                        .with_wasi(true)
                        .with_functions(systems::extism_functions()),
                )?;
                Box::new(move || {
                    Box::new(Extism(std::sync::Mutex::new(
                        extism::Plugin::new_from_compiled(&compiled).expect("instantiate"),
                    )))
                })
            }
        };
        // One instance first, so that code and shared state are resident before measuring.
        make().nothing();
        let before = rss_bytes();
        let kept: Vec<Box<dyn System>> = (0..count).map(|_| make()).collect();
        for system in &kept {
            system.nothing();
        }
        println!("{}", rss_bytes().saturating_sub(before) / count as u64);
        return Ok(());
    }

    // `--spin SYSTEM`: only call SYSTEM's empty rpc in a loop, for a profiler.
    if let Some(name) = std::env::args().skip_while(|arg| arg != "--spin").nth(1) {
        let (_, system) = systems
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

    // Every system gives the same answers before it is timed.
    for (name, system) in systems {
        let blob = Blob {
            data: b"check".to_vec(),
        };
        anyhow::ensure!(system.echo(&blob) == blob, "{name}: echo");
        anyhow::ensure!(
            system.fields(&fields_request()).n == "foobar",
            "{name}: fields"
        );
        anyhow::ensure!(system.call_host(3) == 3, "{name}: call_host");
    }

    println!("## Calls (per call; median ±half the 10th-90th percentile spread)\n");
    println!("| scenario | raw floor | ours | Extism | ours / floor | Extism / ours |");
    println!("|---|---|---|---|---|---|");
    let blob = |size: usize| Blob {
        data: (0..size).map(|i| i as u8).collect(),
    };
    let echoes = [
        ("echo 16 B", blob(16)),
        ("echo 1 KiB", blob(1 << 10)),
        ("echo 64 KiB", blob(64 << 10)),
        ("echo 1 MiB", blob(1 << 20)),
    ];
    let fields = fields_request();
    let mut scenarios: Vec<(String, Scenario)> =
        vec![("empty call".into(), Box::new(|s: &dyn System| s.nothing()))];
    for (name, data) in &echoes {
        let data = data.clone();
        scenarios.push((
            name.to_string(),
            Box::new(move |s: &dyn System| {
                s.echo(&data);
            }),
        ));
    }
    scenarios.push((
        "fields round trip".into(),
        Box::new(move |s: &dyn System| {
            s.fields(&fields);
        }),
    ));
    let host_calls = if smoke { 10 } else { 1000 };
    scenarios.push((
        format!("{host_calls} guest-to-host calls"),
        Box::new(move |s: &dyn System| {
            s.call_host(host_calls);
        }),
    ));
    for (name, scenario) in &scenarios {
        let results: Vec<Stats> = systems
            .iter()
            .map(|(_, system)| stats(measure(&settings, || scenario(*system))))
            .collect();
        println!(
            "| {name} | {} | {} | {} | {:.2} | {:.1} |",
            cell(results[0]),
            cell(results[1]),
            cell(results[2]),
            results[1].median / results[0].median,
            results[2].median / results[1].median,
        );
    }

    println!("\n## Loading\n");
    println!("| scenario | raw floor | ours | Extism |");
    println!("|---|---|---|---|");
    let slow = Settings {
        batches: if smoke { 1 } else { 7 },
        batch_time: Duration::from_millis(if smoke { 1 } else { 300 }),
        smoke,
    };
    let cold = [
        stats(measure(&slow, || {
            let module = wasmtime::Module::new(&engine, &plugins.raw).expect("compile");
            Raw::instantiate(&raw_linker, &module)
                .expect("instantiate")
                .nothing();
        })),
        stats(measure(&slow, || {
            Ours::load(&loader, &plugins.ours).expect("load").nothing();
        })),
        stats(measure(&slow, || {
            let plugin = extism::PluginBuilder::new(plugins.extism.as_slice())
                .with_wasi(true)
                .with_functions(systems::extism_functions())
                .with_cache_disabled()
                .build()
                .expect("load");
            Extism(std::sync::Mutex::new(plugin)).nothing();
        })),
    ];
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
    let warm = [
        stats(measure(&slow, || {
            // SAFETY: the file was serialized by this engine just above.
            let module = unsafe { wasmtime::Module::deserialize_file(&engine, &raw_cached) }
                .expect("deserialize");
            Raw::instantiate(&raw_linker, &module)
                .expect("instantiate")
                .nothing();
        })),
        stats(measure(&slow, || {
            Ours::load(&cached_loader, &plugins.ours)
                .expect("load")
                .nothing();
        })),
        stats(measure(&slow, || {
            Extism(std::sync::Mutex::new(extism_cached())).nothing();
        })),
    ];
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
    let instantiate = [
        stats(measure(&slow, || {
            Raw::instantiate(&raw_linker, &raw_module)
                .expect("instantiate")
                .nothing()
        })),
        stats(measure(&slow, || {
            Ours(BenchPlugin::from_module(&our_module, systems::Increment).expect("instantiate"))
                .nothing()
        })),
        stats(measure(&slow, || {
            Extism(std::sync::Mutex::new(
                extism::Plugin::new_from_compiled(&extism_compiled).expect("instantiate"),
            ))
            .nothing()
        })),
    ];
    println!(
        "| instantiate + first call | {} | {} | {} |",
        cell(instantiate[0]),
        cell(instantiate[1]),
        cell(instantiate[2])
    );

    // Each system in a fresh process of its own, so that memory freed by the others does not
    // hide what its instances take.
    let memory =
        ["raw floor", "ours", "Extism"].map(|name| idle_memory_in_child(&dir, name, smoke));
    println!(
        "| resident memory per idle instance | {} KiB | {} KiB | {} KiB |",
        memory[0] / 1024,
        memory[1] / 1024,
        memory[2] / 1024
    );
    let sizes = plugins
        .paths
        .each_ref()
        .map(|path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
    println!(
        "| `.wasm` size | {} B | {} B | {} B |",
        sizes[2], sizes[0], sizes[1]
    );

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
                let raw = Raw::instantiate(&raw_linker, &raw_module).expect("instantiate");
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
                Box::new(move || {
                    let mut plugin = pool
                        .get(Duration::from_secs(5))
                        .expect("pool")
                        .expect("plugin");
                    plugin
                        .call::<extism::convert::Prost<Blob>, extism::convert::Prost<Blob>>(
                            "echo",
                            extism::convert::Prost(data.clone()),
                        )
                        .expect("echo");
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
    let after_short = rss_bytes();
    for _ in short..long {
        ours.echo(&data);
    }
    let after_long = rss_bytes();
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

/// Runs this program with `--idle-memory SYSTEM` and returns the bytes it reports.
fn idle_memory_in_child(dir: &Path, system: &str, smoke: bool) -> u64 {
    let mut command = std::process::Command::new(std::env::current_exe().expect("current exe"));
    command.arg(dir).args(["--idle-memory", system]);
    if smoke {
        command.arg("--smoke");
    }
    let output = command.output().expect("run the memory probe");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
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
