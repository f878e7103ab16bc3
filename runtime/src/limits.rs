//! Per-call deadline and memory cap.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use wasmtime::{Engine, ResourceLimiter};

/// Raised by [`MemoryLimiter`] when a plugin asks for more memory than allowed; it aborts the
/// running call and is turned into [`Error::MemoryLimitExceeded`](crate::Error).
#[derive(Debug)]
pub(crate) struct MemoryLimitHit {
    pub limit: usize,
    pub requested: usize,
}

impl std::fmt::Display for MemoryLimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "memory limit of {} bytes exceeded (asked for {})",
            self.limit, self.requested
        )
    }
}

impl std::error::Error for MemoryLimitHit {}

/// Caps each instance's linear memory. Growing past the cap traps instead of failing softly,
/// so the host gets a precise error rather than a plugin confused by a failed `malloc`.
pub(crate) struct MemoryLimiter {
    pub limit: Option<usize>,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        match self.limit {
            Some(limit) if desired > limit => Err(wasmtime::Error::new(MemoryLimitHit {
                limit,
                requested: desired,
            })),
            _ => Ok(true),
        }
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= wasmtime::DEFAULT_TABLE_LIMIT)
    }
}

/// Advances the engine's epoch at a fixed interval, so that a call can be interrupted by an
/// epoch deadline: no timer or message per call, only a counter the compiled code checks.
pub(crate) struct EpochTicker {
    /// Dropping the sender stops the thread.
    _stop: Sender<()>,
    pub tick: Duration,
}

impl EpochTicker {
    /// Starts ticking `engine` often enough to enforce `deadline` within about a tenth of it
    /// (1 ms at best, 10 ms at worst).
    pub(crate) fn start(engine: &Engine, deadline: Duration) -> std::io::Result<Self> {
        let tick = (deadline / 10).clamp(Duration::from_millis(1), Duration::from_millis(10));
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.clone();
        std::thread::Builder::new()
            .name("wasm-plugin-epoch".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(tick) {
                    engine.increment_epoch();
                }
            })?;
        Ok(Self { _stop: stop, tick })
    }

    /// The number of ticks after which a call started now is past `deadline`.
    pub(crate) fn ticks(&self, deadline: Duration) -> u64 {
        // One more tick, because the current tick may be nearly over.
        (deadline.as_nanos().div_ceil(self.tick.as_nanos()) as u64).saturating_add(1)
    }
}
