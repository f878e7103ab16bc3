//! The thread that advances the engine's epoch, the clock it keeps, and the timers it fires:
//! deadlines and cancellation cost no timer and no clock read per call, only counters the
//! compiled code and the runtime read; async calls that wait (in a host function, or sleeping
//! in WASI) are woken by this thread, whatever executor polls them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::{Duration, Instant};

use wasmtime::Engine;

/// How often the epoch advances: a call that must stop stops within about this long.
pub(crate) const TICK: Duration = Duration::from_millis(1);

/// Milliseconds since the clock's start, as of the last tick: a clock that costs one atomic
/// load to read, accurate to a tick, that does not drift (each tick reads the real clock).
pub(crate) struct CoarseClock {
    start: Instant,
    millis: AtomicU64,
    timers: Mutex<Timers>,
    /// Signalled when the earliest timer changes, and to stop the ticker.
    changed: Condvar,
}

/// The wakers of waiting async calls, by when they are due.
#[derive(Default)]
struct Timers {
    next_id: u64,
    due: BTreeMap<TimerKey, Waker>,
}

/// A registered timer: when it is due, and a number that tells timers due together apart.
pub(crate) type TimerKey = (Instant, u64);

impl CoarseClock {
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            millis: AtomicU64::new(0),
            timers: Mutex::new(Timers::default()),
            changed: Condvar::new(),
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

    /// Wakes `waker` at `at` (the ticker must run): registers it, or replaces the waker of the
    /// timer `key` already registered.
    pub(crate) fn wake_at(&self, at: Instant, waker: &Waker, key: &mut Option<TimerKey>) {
        let mut timers = self.lock_timers();
        if let Some(old) = key.take() {
            timers.due.remove(&old);
        }
        timers.next_id += 1;
        let new = (at, timers.next_id);
        let earliest = timers.due.keys().next().is_none_or(|first| new < *first);
        timers.due.insert(new, waker.clone());
        *key = Some(new);
        drop(timers);
        if earliest {
            self.changed.notify_all();
        }
    }

    /// Forgets the timer `key`, if it has not fired.
    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        self.lock_timers().due.remove(&key);
    }

    fn lock_timers(&self) -> MutexGuard<'_, Timers> {
        self.timers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Advances an engine's epoch and a [`CoarseClock`] every [`TICK`], and fires the clock's
/// timers, until dropped.
pub(crate) struct EpochTicker {
    clock: Arc<CoarseClock>,
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine, clock: Arc<CoarseClock>) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let engine = engine.clone();
        clock.update();
        std::thread::Builder::new()
            .name("wasm-plugin-epoch".into())
            .spawn({
                let clock = Arc::clone(&clock);
                let stop = Arc::clone(&stop);
                move || run(&engine, &clock, &stop)
            })?;
        Ok(Self { clock, stop })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Taken so that the thread is either before its check of `stop` or waiting.
        drop(self.clock.lock_timers());
        self.clock.changed.notify_all();
    }
}

fn run(engine: &Engine, clock: &CoarseClock, stop: &AtomicBool) {
    let mut next_tick = Instant::now() + TICK;
    let mut due = Vec::new();
    let mut timers = clock.lock_timers();
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now >= next_tick {
            clock.update();
            engine.increment_epoch();
            next_tick = now + TICK;
        }
        while let Some(entry) = timers.due.first_entry() {
            if entry.key().0 > now {
                break;
            }
            due.push(entry.remove());
        }
        if !due.is_empty() {
            // Woken without the lock: a waker may run code that registers a timer.
            drop(timers);
            due.drain(..).for_each(Waker::wake);
            timers = clock.lock_timers();
            continue;
        }
        let until = timers
            .due
            .keys()
            .next()
            .map_or(next_tick, |(at, _)| (*at).min(next_tick));
        timers = clock
            .changed
            .wait_timeout(timers, until.saturating_duration_since(now))
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

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

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn timers_fire_when_due_and_not_when_cancelled() {
        let clock = Arc::new(CoarseClock::new());
        let _ticker = EpochTicker::start(&Engine::default(), Arc::clone(&clock)).unwrap();
        let fired = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&fired));
        let started = Instant::now();
        let (mut soon, mut later, mut replaced) = (None, None, None);
        clock.wake_at(started + Duration::from_millis(5), &waker, &mut soon);
        clock.wake_at(started + Duration::from_millis(10), &waker, &mut later);
        clock.cancel_timer(later.unwrap());
        // Registered twice under one key: fires once.
        clock.wake_at(started + Duration::from_secs(60), &waker, &mut replaced);
        clock.wake_at(started + Duration::from_millis(2), &waker, &mut replaced);
        while fired.0.load(Ordering::SeqCst) < 2 {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "timers did not fire"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(fired.0.load(Ordering::SeqCst), 2);
        assert!(started.elapsed() >= Duration::from_millis(5));
    }
}
