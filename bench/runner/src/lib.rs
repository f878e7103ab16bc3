//! What the benchmark runner and its memory probe share: the prost messages and the generated
//! `BenchPlugin` handle, the three systems behind one interface, and the guest logic (to check
//! every system's answers).

pub mod bench {
    include!(concat!(env!("OUT_DIR"), "/bench.rs"));
}
/// The async handle of the same service (`async_calls`), on the same messages.
pub mod bench_async {
    include!(concat!(env!("OUT_DIR"), "/async/bench.rs"));
}
#[path = "../../plugins/logic.rs"]
pub mod logic;
pub mod systems;

/// Resident memory of this process, from /proc.
pub fn rss_bytes() -> anyhow::Result<u64> {
    use anyhow::Context;
    let statm = std::fs::read_to_string("/proc/self/statm").context("read /proc/self/statm")?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|pages| pages.parse().ok())
        .context("/proc/self/statm has no resident page count")?;
    Ok(pages * 4096)
}
