//! The thread that advances the engine's epoch, and a clock it keeps: deadlines and cancellation
//! cost no timer and no clock read per call, only counters the compiled code and the runtime
//! read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::Engine;

/// How often the epoch advances: a call that must stop stops within about this long.
pub(crate) const TICK: Duration = Duration::from_millis(TICK_MILLIS);
/// [`TICK`] in the [`CoarseClock`]'s milliseconds.
pub(crate) const TICK_MILLIS: u64 = 1;

/// Milliseconds since the clock's start, as of the last tick: a clock that costs one atomic
/// load to read, accurate to a tick, that does not drift (each tick reads the real clock).
pub(crate) struct CoarseClock {
    start: Instant,
    millis: AtomicU64,
}

impl CoarseClock {
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            millis: AtomicU64::new(0),
        }
    }

    /// The time of the last tick, in milliseconds since the start.
    pub(crate) fn now(&self) -> u64 {
        self.millis.load(Ordering::Relaxed)
    }

    /// The real time in the clock's milliseconds: for the rare checks that must not be a tick
    /// late, such as the end of a sleep cut short by the deadline.
    pub(crate) fn precise_now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Reads the real clock into the coarse one.
    pub(crate) fn update(&self) {
        self.millis.store(self.precise_now(), Ordering::Relaxed);
    }

    /// The instant `millis` after the start.
    pub(crate) fn instant(&self, millis: u64) -> Instant {
        self.start
            .checked_add(Duration::from_millis(millis))
            .unwrap_or_else(|| self.start + Duration::from_secs(u32::MAX.into()))
    }
}

/// Advances an engine's epoch and a [`CoarseClock`] every [`TICK`] until dropped.
pub(crate) struct EpochTicker {
    /// Dropping the sender stops the thread.
    _stop: Sender<()>,
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine, clock: Arc<CoarseClock>) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.clone();
        clock.update();
        std::thread::Builder::new()
            .name("wasm-plugin-epoch".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    clock.update();
                    engine.increment_epoch();
                }
            })?;
        Ok(Self { _stop: stop })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarse_clock_follows_the_real_one() {
        let clock = Arc::new(CoarseClock::new());
        let _ticker = EpochTicker::start(&Engine::default(), Arc::clone(&clock)).unwrap();
        std::thread::sleep(Duration::from_millis(30));
        let now = clock.now();
        assert!((20..1_000).contains(&now), "{now} ms");
        assert_eq!(
            clock.instant(now).duration_since(clock.start).as_millis(),
            u128::from(now)
        );
    }
}
