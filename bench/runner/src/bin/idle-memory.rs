//! The memory probe: what one idle instance of a system takes, measured in a process of its own
//! so that nothing else compiled or freed here hides it.
//!
//! Usage: idle-memory PLUGIN_DIR SYSTEM [--smoke]. Prints two numbers, bytes per instance:
//! the live heap (counted by this program's allocator, so freed pages cannot hide an
//! allocation) and the resident memory (RSS growth after freed heap pages were returned to the
//! system with `malloc_trim`, so that new allocations cannot reuse them unseen; this includes
//! linear memory and other mappings the allocator never sees).

use std::path::PathBuf;

use anyhow::bail;
use bench_runner::bench::BenchPlugin;
use bench_runner::rss_bytes;
use bench_runner::systems::{self, Extism, Increment, Ours, Raw, System, EXTISM, OURS, RAW};
use wasm_plugin_testing::alloc::live_bytes;

#[global_allocator]
static ALLOCATOR: wasm_plugin_testing::alloc::Counting = wasm_plugin_testing::alloc::Counting;

unsafe extern "C" {
    /// glibc: returns free heap memory to the system (also inside the heap, with madvise).
    fn malloc_trim(pad: usize) -> i32;
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: idle-memory PLUGIN_DIR SYSTEM [--smoke]";
    let (Some(dir), Some(system)) = (args.first(), args.get(1)) else {
        bail!(usage);
    };
    let dir = PathBuf::from(dir);
    let count = if args.iter().any(|arg| arg == "--smoke") {
        3
    } else {
        50
    };
    let read = |name: &str| systems::read(&dir.join(format!("{name}.wasm")));

    // Only the one system's module is compiled, then one instance is made and called, so that
    // its code and shared state are resident before measuring.
    let make: Box<dyn Fn() -> anyhow::Result<Box<dyn System>>> = match system.as_str() {
        RAW => {
            let engine = systems::raw_engine()?;
            let module = wasmtime::Module::new(&engine, read("bench_plugin_raw")?)
                .map_err(|error| anyhow::anyhow!("{error:#}"))?;
            let linker = systems::raw_linker(&engine)?;
            let pre = systems::RawPre::new(&linker, &module)?;
            Box::new(move || Ok(Box::new(Raw::instantiate(&pre)?)))
        }
        OURS => {
            let loader = wasm_plugin_runtime::Loader::new()?;
            let module = loader.compile_bytes(&read("bench_plugin_ours")?)?;
            Box::new(move || {
                Ok(Box::new(Ours(BenchPlugin::from_module(
                    &module, Increment,
                )?)))
            })
        }
        EXTISM => {
            let wasm = read("bench_plugin_extism")?;
            let compiled = extism::CompiledPlugin::new(
                extism::PluginBuilder::new(wasm.as_slice())
                    .with_wasi(true)
                    .with_functions(systems::extism_functions()),
            )?;
            Box::new(move || {
                Ok(Box::new(Extism::new(extism::Plugin::new_from_compiled(
                    &compiled,
                )?)))
            })
        }
        other => bail!("no system `{other}`; {usage}"),
    };
    make()?.nothing();
    let mut kept = Vec::with_capacity(count);

    // SAFETY: malloc_trim only releases memory the allocator holds free.
    unsafe { malloc_trim(0) };
    let (heap, resident) = (live_bytes(), rss_bytes()?);
    for _ in 0..count {
        let instance = make()?;
        instance.nothing();
        kept.push(instance);
    }
    let heap = (live_bytes() - heap).max(0) as u64;
    let resident = rss_bytes()?.saturating_sub(resident);
    println!("{} {}", heap / count as u64, resident / count as u64);
    drop(kept);
    Ok(())
}
