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
/// so the host gets a precise error rather than a plugin confused by a failed `malloc`. An
/// instance has one memory (the engine refuses multi-memory modules), so the cap is per
/// instance.
pub(crate) struct MemoryLimiter {
    limit: Option<usize>,
}

/// The most elements a table may hold: far above what compilers emit, far below harm.
const TABLE_ELEMENTS: usize = 1 << 20;

impl MemoryLimiter {
    pub(crate) fn new(limit: Option<usize>) -> Self {
        Self { limit }
    }
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
        Ok(desired <= TABLE_ELEMENTS)
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        16
    }

    fn instances(&self) -> usize {
        1
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
    /// Starts ticking `engine` every tenth of `deadline`, but at least every 10 ms and at most
    /// every 1 ms: a call is stopped at most two ticks after its deadline.
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

    /// The number of ticks after which `left` has passed.
    pub(crate) fn ticks(&self, left: Duration) -> u64 {
        // One more tick, because the current tick may be nearly over; at most half the epoch
        // range, so that wasmtime's `current + ticks` cannot overflow.
        let ticks = left.as_nanos().div_ceil(self.tick.as_nanos()) + 1;
        u64::try_from(ticks).unwrap_or(u64::MAX).min(u64::MAX / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_deadline_and_never_overflow() {
        let ticker = EpochTicker::start(&Engine::default(), Duration::from_millis(100)).unwrap();
        assert_eq!(ticker.tick, Duration::from_millis(10));
        assert_eq!(ticker.ticks(Duration::from_millis(100)), 11);
        assert_eq!(ticker.ticks(Duration::ZERO), 1);
        assert_eq!(ticker.ticks(Duration::MAX), u64::MAX / 2);
        assert_eq!(
            ticker.ticks(Duration::from_secs(u64::MAX / 4)),
            u64::MAX / 2
        );
    }

    #[test]
    fn growing_past_the_limit_is_an_error() {
        let mut limiter = MemoryLimiter::new(Some(1 << 20));
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap());
        let error = limiter.memory_growing(1 << 20, 2 << 20, None).unwrap_err();
        assert!(error.downcast_ref::<MemoryLimitHit>().is_some());
        assert!(MemoryLimiter::new(None)
            .memory_growing(0, usize::MAX, None)
            .unwrap());
    }
}
